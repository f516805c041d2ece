/** The `status` answer: a one-shot view of a running session, from the same state the dashboard folds. */
import { type SessionState, taskCounts } from "../../state.js";

/** Pending tasks listed in `queue`; the counts cover the rest. */
const QUEUE_LIMIT = 100;

export function statusOf(
  state: SessionState,
  extra: { socket: string; submissions: number; idle_ms?: number },
): Record<string, unknown> {
  const tasks = state.taskOrder.map((id) => state.tasks[id]).filter((task) => task !== undefined);
  const pending = tasks.filter((task) => task.state === "pending");
  return {
    session: {
      id: state.session?.session_id,
      dir: state.session?.session_dir,
      workload: state.session?.workload,
      platform: state.session?.platform,
      pid: state.session?.pid,
      started: state.session?.ts,
      ...extra,
    },
    allocation: state.allocation && {
      state: state.allocation.state,
      nodes: state.allocation.nodes,
      ...(state.allocation.job_id === undefined ? {} : { job_id: state.allocation.job_id }),
      ...(state.allocation.deadline === undefined ? {} : { deadline: state.allocation.deadline }),
    },
    services: state.services.map((service) => ({
      name: service.name,
      instances: service.instances.map((i) => ({
        instance: i.instance,
        state: i.state,
        node: i.node,
        gpus: i.gpus,
        ...(i.endpoint === undefined ? {} : { endpoint: i.endpoint }),
      })),
    })),
    counts: taskCounts(state),
    queue: pending.slice(0, QUEUE_LIMIT).map((task) => ({ id: task.id, waiting_for: task.waiting_for ?? {} })),
    tasks: tasks.map((task) => ({
      id: task.id,
      task: task.task,
      state: task.state,
      ...(task.node === undefined ? {} : { node: task.node }),
      ...(task.exit_code === undefined ? {} : { exit_code: task.exit_code }),
      ...(task.error === undefined ? {} : { error: task.error }),
    })),
  };
}
