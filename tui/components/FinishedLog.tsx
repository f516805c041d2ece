/** @jsxRuntime automatic */
import { Static, Text } from "ink";
import type { TaskView } from "../../engine/state.js";
import { formatDuration, formatStaging } from "../format.js";
import { TASK_GLYPHS, taskColor, useColor } from "../theme.js";

/** Finished tasks, printed once above the live area and left in the scrollback. */
export function FinishedLog({ tasks }: { tasks: TaskView[] }) {
  const c = useColor();
  return (
    <Static items={tasks}>
      {(task) => (
        <Text key={task.id} wrap="truncate">
          <Text {...c(taskColor(task.state))}>{`${TASK_GLYPHS[task.state]} ${task.state.padEnd(8)} `}</Text>
          <Text bold>{task.id}</Text>
          <Text {...c("gray")}>
            {task.node ? `  on ${task.node}` : ""}
            {task.exit_code === undefined || task.exit_code === null ? "" : `  exit ${task.exit_code}`}
            {task.signal ? `  signal ${task.signal}` : ""}
            {`  ${formatDuration(task.duration_ms)}`}
            {formatStaging(task) === "" ? "" : `  ${formatStaging(task)}`}
            {task.error ? `  ${task.error}` : ""}
          </Text>
        </Text>
      )}
    </Static>
  );
}
