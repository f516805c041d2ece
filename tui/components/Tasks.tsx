/** @jsxRuntime automatic */
import { Box, Text } from "ink";
import { TASK_STATES } from "../../engine/events.js";
import { type SessionState, type TaskView, taskCounts } from "../../engine/state.js";
import { cell, formatDuration, formatIds, formatStaging } from "../format.js";
import { tasksIn, waitingFor } from "../selectors.js";
import { TASK_GLYPHS, taskColor, useColor } from "../theme.js";
import { RequestProgressBar } from "./RequestProgressBar.js";
import { SectionTitle } from "./SectionTitle.js";

export interface TasksProps {
  state: SessionState;
  rows: number;
  columns: number;
  now: number;
  /** Finished tasks to list after the live ones (`show`, which has no log above the frame). */
  finished?: TaskView[];
}

/** Running tasks first (what is using the machine), then the queue with what each waits for. */
export function Tasks({ state, rows, columns, now, finished = [] }: TasksProps) {
  const c = useColor();
  const counts = taskCounts(state);
  const running = [...tasksIn(state, "running"), ...tasksIn(state, "scheduled")];
  const pending = tasksIn(state, "pending");
  // Both lists stay visible: the queue gets up to half the rows when something runs.
  const pendingShare = Math.min(pending.length, running.length > 0 ? Math.floor(rows / 2) : rows);
  const runningRows = Math.min(running.length, rows - pendingShare);
  const pendingRows = Math.min(pending.length, rows - runningRows);
  const finishedRows = Math.min(finished.length, rows - runningRows - pendingRows);
  const hidden =
    running.length - runningRows + Math.max(0, pending.length - pendingRows) + (finished.length - finishedRows);
  const idWidth = Math.max(10, Math.min(24, columns - 50));
  return (
    <Box flexDirection="column" width={columns}>
      <SectionTitle
        title="Tasks"
        columns={columns}
        parts={[
          ...(state.taskOrder.length === 0 ? [{ text: "none", color: "gray" as const }] : []),
          ...TASK_STATES.filter((s) => counts[s] > 0 || s === "running" || s === "done").map((s) => ({
            text: `${TASK_GLYPHS[s]} ${s} ${counts[s]}`,
            color: taskColor(s),
          })),
          ...(hidden > 0 ? [{ text: `(+${hidden} more)`, color: "gray" as const }] : []),
        ]}
      />
      {running.slice(0, runningRows).map((task) => (
        <Text key={task.id} wrap="truncate">
          <Text {...c(taskColor(task.state))}>{`  ${TASK_GLYPHS[task.state]} `}</Text>
          <Text>{cell(task.id, idWidth)} </Text>
          <Text>{cell(task.node ?? "–", 10)} </Text>
          <Text {...c("gray")}>{cell(`cores ${formatIds(task.cores)}`, 12)} </Text>
          <Text {...c("gray")}>{cell(`gpus ${formatIds(task.gpus)}`, 10)} </Text>
          <Text>{formatDuration(task.started === undefined ? undefined : now - task.started)}</Text>
          {task.stage_in_ms === undefined ? null : <Text {...c("gray")}>{`  ${formatStaging(task)}`}</Text>}
          {task.requests ? (
            <Text>
              {"  "}
              <RequestProgressBar requests={task.requests} width={Math.max(5, Math.min(20, columns - idWidth - 80))} />
            </Text>
          ) : null}
        </Text>
      ))}
      {pending.slice(0, pendingRows).map((task) => (
        <Text key={task.id} wrap="truncate">
          <Text {...c("gray")}>{`  ${TASK_GLYPHS.pending} `}</Text>
          <Text>{cell(task.id, idWidth)} </Text>
          <Text {...c("yellow")}>waits for {waitingFor(task)}</Text>
        </Text>
      ))}
      {finished.slice(0, finishedRows).map((task) => (
        <Text key={task.id} wrap="truncate">
          <Text {...c(taskColor(task.state))}>{`  ${TASK_GLYPHS[task.state]} `}</Text>
          <Text>{cell(task.id, idWidth)} </Text>
          <Text>{cell(task.node ?? "–", 10)} </Text>
          <Text {...c("gray")}>{cell(endOf(task), 22)} </Text>
          <Text>{formatDuration(task.duration_ms)}</Text>
          {formatStaging(task) === "" ? null : <Text {...c("gray")}>{`  ${formatStaging(task)}`}</Text>}
          {task.error ? <Text {...c("gray")}>{`  ${task.error}`}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}

function endOf(task: TaskView): string {
  if (task.signal) return `${task.state} ${task.signal}`;
  if (task.exit_code !== undefined && task.exit_code !== null) return `${task.state} exit ${task.exit_code}`;
  return task.state;
}
