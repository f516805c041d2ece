/** NO_COLOR (https://no-color.org): set to anything non-empty turns colour off. No React here. */
export function colorEnabled(env: Record<string, string | undefined>): boolean {
  const value = env.NO_COLOR;
  return value === undefined || value === "";
}
