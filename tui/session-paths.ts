/** Where a session directory keeps an instance's stderr (engine/session writes it). */
import { join } from "node:path";

export function instanceStderrPath(sessionDir: string, service: string, instance: number): string {
  return join(sessionDir, "services", `${service}.${instance}.stderr`);
}
