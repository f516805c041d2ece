/**
 * How to invoke this Flotilla binary again (service hosts are started as
 * `self service-host …`). As a Node single-executable the binary is the whole
 * program; in development it is node with the same loader flags (tsx) and
 * the entry script.
 */
export function isSea(): boolean {
  try {
    const sea = process.getBuiltinModule?.("node:sea") as { isSea?: () => boolean } | undefined;
    return sea?.isSea?.() ?? false;
  } catch {
    return false;
  }
}

export function selfCommand(): string[] {
  if (isSea()) return [process.execPath];
  const entry = process.argv[1];
  return entry === undefined ? [process.execPath] : [process.execPath, ...process.execArgv, entry];
}
