/**
 * Placeholders in commands and env values: {port}, {host}, {gpu_ids},
 * {instance}, {item}, {node}. `{{` and `}}` write literal braces. Shell expansions
 * (`${VAR}`) and braces around anything that is not a bare name (awk's
 * `{print $1}`, JSON) are left alone, so ordinary shell commands need no escaping.
 */
import { FlotillaError } from "../errors.js";

export const PLACEHOLDERS = ["port", "host", "gpu_ids", "instance", "item", "node"] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export interface TemplateVars {
  /** A free port picked by Flotilla for this instance. */
  port?: number;
  /** Host name or address of the node the process runs on. */
  host?: string;
  /** GPU ids given to the process; rendered comma-separated. */
  gpu_ids?: readonly number[];
  /** Instance (service) or index (task) number, 0-based. */
  instance?: number;
  /** The `for_each` item of a task instance. */
  item?: string;
  /** Name of the node it was placed on, as the platform names it. */
  node?: string;
}

const TOKEN = /\{\{|\}\}|\$\{[^}]*\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

function renderValue(name: string, vars: TemplateVars): string {
  if (!isPlaceholder(name)) {
    throw new FlotillaError(
      "WORKLOAD_INVALID",
      `unknown placeholder {${name}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")})`,
    );
  }
  const value = vars[name];
  if (value === undefined) {
    throw new FlotillaError("WORKLOAD_INVALID", `placeholder {${name}} has no value here`);
  }
  return Array.isArray(value) ? value.join(",") : String(value);
}

export function renderString(text: string, vars: TemplateVars): string {
  return text.replace(TOKEN, (token: string, name: string | undefined) => {
    if (token === "{{") return "{";
    if (token === "}}") return "}";
    if (name === undefined) return token;
    return renderValue(name, vars);
  });
}

export function renderArgs(args: readonly string[], vars: TemplateVars): string[] {
  return args.map((arg) => renderString(arg, vars));
}

export function renderEnv(env: Readonly<Record<string, string>>, vars: TemplateVars): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) out[key] = renderString(value, vars);
  return out;
}

/** Every placeholder name used in `strings` (known or not), in order of first use. */
export function placeholdersIn(strings: Iterable<string>): string[] {
  const found = new Set<string>();
  for (const text of strings) {
    for (const match of text.matchAll(TOKEN)) if (match[1] !== undefined) found.add(match[1]);
  }
  return [...found];
}
