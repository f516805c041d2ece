/**
 * Each Flux task runs under a tiny `sh` that gives it the local supervisor's
 * rule: when the command ends (by itself or by a signal), whatever it left
 * behind in its process group is terminated (SIGTERM, a grace, SIGKILL).
 * Flux's job shell signals a task's process group, but only while the task
 * runs: once the task's own process exits, leftovers (children that ignore
 * SIGTERM) would keep running and hold the job's output open.
 *
 * The wrapper is the group's leader (the job shell makes every task one) and
 * runs the command in the same group; it survives the group's SIGTERM/SIGINT
 * (a trap) to reap, and dies with everyone on SIGKILL, so nothing escapes.
 * It exits with the command's status (128+N when a signal ended it). The
 * command keeps the job's stdin (a background command would otherwise read
 * /dev/null), so what `flux job attach` forwards reaches it.
 */
const SCRIPT = [
  "g=$1; shift",
  "exec 3<&0",
  '"$@" <&3 3<&- &',
  "c=$!",
  "trap : TERM INT HUP",
  // A trapped signal interrupts `wait`: wait again until the command is gone.
  "while :; do wait $c; rc=$?; kill -0 $c 2>/dev/null || break; done",
  // The other live members of this process group, into $o: one grep over /proc/*/stat
  // and one awk, not a shell loop (tens of ms per task on a busy node). Helpers of this
  // script are members too; they are its children or grandchildren, leftovers never are
  // (the command was its only other child, and the command is gone).
  'others() { o=$(grep -s -h \'\' /proc/[0-9]*/stat | awk -v me=$$ \'{ s = $0; sub(/^.*\\) /, "", s); split(s, f, " ")',
  '  if (f[3] != me || $1 == me || f[1] == "Z") next; n++; pid[n] = $1; ppid[n] = f[2]; if (f[2] == me) kid[$1] = 1 }',
  "  END { for (i = 1; i <= n; i++) if (!(pid[i] in kid) && !(ppid[i] in kid) && ppid[i] != me) print pid[i] }'); }",
  "others",
  'if [ -n "$o" ]; then kill -TERM $o 2>/dev/null; i=0',
  '  while [ $i -lt "$g" ]; do others; [ -z "$o" ] && break; sleep 0.1; i=$((i+1)); done',
  '  others; [ -n "$o" ] && kill -KILL $o 2>/dev/null; fi',
  "exit $rc",
].join("\n");

/** Wraps a task command; `graceMs` is how long leftovers get between SIGTERM and SIGKILL. */
export function reapingCommand(graceMs: number, command: readonly string[]): string[] {
  const tenths = Math.max(1, Math.ceil(graceMs / 100));
  return ["sh", "-c", SCRIPT, "flotilla-task", String(tenths), ...command];
}
