/** @jsxRuntime automatic */
import { Box, useApp } from "ink";
import { useEffect } from "react";
import type { ServiceView, SessionState } from "../../engine/state.js";
import { useFileTail } from "../hooks/use-file-tail.js";
import { useFinishedTasks } from "../hooks/use-finished-tasks.js";
import { type DashboardMode, useKeys, type ViewState } from "../hooks/use-keys.js";
import { useNow } from "../hooks/use-now.js";
import { useScaleRanges } from "../hooks/use-scale-ranges.js";
import { useSessionState } from "../hooks/use-session-state.js";
import { useWindowSize, type WindowSize } from "../hooks/use-window-size.js";
import { planRows } from "../layout.js";
import { decisionsOf, rangeOf } from "../scale.js";
import { screenNow, serviceMetrics } from "../selectors.js";
import { instanceStderrPaths } from "../session-paths.js";
import type { StateSource } from "../store.js";
import { Events } from "./Events.js";
import { FinishedLog } from "./FinishedLog.js";
import { Footer } from "./Footer.js";
import { Header } from "./Header.js";
import { HelpOverlay } from "./HelpOverlay.js";
import { Latency } from "./Latency.js";
import { ServiceDetail } from "./ServiceDetail.js";
import { Services } from "./Services.js";
import { Tasks } from "./Tasks.js";

export interface DashboardProps {
  source: StateSource;
  mode: DashboardMode;
  onQuit?: () => void;
  /** Pins the terminal size (tests, `show`); otherwise follows the terminal. */
  size?: WindowSize;
  /** Pins the clock (tests); otherwise ticks every second. */
  now?: number;
  /** Whether keys are read (false for `show` and non-TTY stdin). */
  interactive?: boolean;
  /** Whether finished tasks go to the <Static> log above the live area. */
  finishedLog?: boolean;
  initialView?: Partial<ViewState>;
}

export function Dashboard(props: DashboardProps) {
  const { source, mode, onQuit = () => {}, interactive = mode !== "show", finishedLog = mode !== "show" } = props;
  const state = useSessionState(source);
  const { columns, rows } = useWindowSize(props.size);
  const now = screenNow(state, useNow(1_000, props.now));
  const view = useKeys(state, mode, onQuit, interactive, props.initialView);
  const finished = useFinishedTasks(state);
  const { exit } = useApp();
  const ended = state.end !== undefined;
  useEffect(() => {
    // The session is over: leave the final frame on screen and hand control back.
    if (ended && mode !== "show") exit();
  }, [ended, mode, exit]);

  // A printed report (show) has no cursor.
  const selected = mode === "show" ? -1 : Math.min(view.selected, Math.max(0, state.services.length - 1));
  const service = state.services[selected];
  const instance = service?.instances[view.instance];
  const sessionDir = state.session?.session_dir;
  const stderrFiles =
    view.detail && instance && sessionDir ? instanceStderrPaths(sessionDir, instance.service, instance.instance) : [];
  const stderr = useFileTail(stderrFiles, 8);
  const ranges = useScaleRanges(sessionDir);
  const width = Math.max(40, columns);
  const detail = view.detail && service !== undefined;
  const decisions = service ? decisionsOf(state, service.name) : [];
  const plan = planRows(rows, {
    services: detail ? detailRowsWanted(service, decisions.length) : Math.max(1, state.services.length),
    // The detail takes the latency section's place: its rows go to the detail.
    latency: detail ? 0 : state.services.length,
    // A printed report has no scrollback log above it: its finished tasks are rows here.
    tasks: taskRowsWanted(state) + (mode === "show" ? finished.length : 0),
    events: state.notable.length,
  });
  return (
    <>
      {finishedLog ? <FinishedLog tasks={finished} /> : null}
      <Box flexDirection="column" width={width}>
        <Header state={state} now={now} columns={width} mode={mode} />
        {view.help ? (
          <HelpOverlay columns={width} mode={mode} />
        ) : (
          <>
            {detail ? (
              <ServiceDetail
                service={service}
                metrics={serviceMetrics(state, service.name)}
                selected={Math.min(view.instance, Math.max(0, service.instances.length - 1))}
                stderr={stderr}
                rows={plan.services + plan.latency + 1}
                columns={width}
                now={now}
                range={rangeOf(service, ranges)}
                decisions={decisions}
              />
            ) : (
              <>
                <Services state={state} selected={selected} rows={plan.services} columns={width} ranges={ranges} />
                {state.services.length > 0 ? (
                  <Latency
                    state={state}
                    percentile={view.percentile}
                    selected={selected}
                    rows={plan.latency}
                    columns={width}
                  />
                ) : null}
              </>
            )}
            <Tasks
              state={state}
              rows={plan.tasks}
              columns={width}
              now={now}
              finished={mode === "show" ? finished : []}
            />
            <Events state={state} rows={plan.events} columns={width} />
          </>
        )}
        {mode === "show" || ended ? null : <Footer prompt={view.prompt} mode={mode} detail={view.detail} />}
      </Box>
    </>
  );
}

/** Instances, the stderr caption and a few lines of it, and the newest scale decisions under their caption. */
function detailRowsWanted(service: ServiceView, decisions: number): number {
  return service.instances.length + 1 + 3 + (decisions > 0 ? 1 + Math.min(decisions, 8) : 0);
}

function taskRowsWanted(state: SessionState): number {
  let n = 0;
  for (const id of state.taskOrder) {
    const task = state.tasks[id];
    if (task && (task.state === "pending" || task.state === "running" || task.state === "scheduled")) n += 1;
  }
  return n;
}
