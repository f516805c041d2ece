/**
 * The user's per-cluster defaults (docs/config.md), kept by `conf` in the
 * user's config directory (XDG: ~/.config/flotilla/config.json), or in
 * FLOTILLA_CONFIG_DIR when set. Workload files and flags override them.
 */

import { constants } from "node:os";
import { FlotillaError, PLATFORMS, type PlatformName } from "../engine/index.js";

export const CONFIG_KEYS = [
  "platform",
  "slurm.account",
  "slurm.partition",
  "slurm.qos",
  "slurm.constraint",
  "slurm.reservation",
  "slurm.extra_args",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export interface UserConfig {
  platform?: PlatformName;
  slurm?: {
    account?: string;
    partition?: string;
    qos?: string;
    constraint?: string;
    reservation?: string;
    extra_args?: string[];
  };
}

export interface ConfigStore {
  readonly path: string;
  get(key: ConfigKey): unknown;
  all(): UserConfig;
  set(key: ConfigKey, raw: string): unknown;
  unset(key: ConfigKey): void;
}

export function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

export function checkKey(key: string): ConfigKey {
  if (isConfigKey(key)) return key;
  throw new FlotillaError("USAGE", `unknown config key ${JSON.stringify(key)} (known: ${CONFIG_KEYS.join(", ")})`, {
    context: { key },
  });
}

/**
 * A value as typed on the command line, checked for its key. extra_args takes
 * a JSON list (`'["--mail-type=END"]'`) or space-separated arguments.
 */
export function parseConfigValue(key: ConfigKey, raw: string): unknown {
  switch (key) {
    case "platform":
      if ((PLATFORMS as readonly string[]).includes(raw)) return raw;
      throw new FlotillaError("USAGE", `platform must be one of ${PLATFORMS.join(", ")}, got ${JSON.stringify(raw)}`);
    case "slurm.extra_args": {
      const text = raw.trim();
      if (text.startsWith("[")) {
        let list: unknown;
        try {
          list = JSON.parse(text);
        } catch {
          list = undefined;
        }
        if (Array.isArray(list) && list.every((a) => typeof a === "string")) return list;
        throw new FlotillaError("USAGE", `slurm.extra_args: ${JSON.stringify(raw)} is not a JSON list of strings`);
      }
      return text === "" ? [] : text.split(/\s+/);
    }
    case "slurm.account":
    case "slurm.partition":
    case "slurm.qos":
    case "slurm.constraint":
    case "slurm.reservation":
      if (raw.trim() === "") throw new FlotillaError("USAGE", `${key} must not be empty (use config unset ${key})`);
      return raw.trim();
    default: {
      const unknown: never = key;
      throw new FlotillaError("USAGE", `unknown config key ${String(unknown)}`);
    }
  }
}

/** Opens the store (conf is loaded only when a command needs it, to keep start-up fast). */
export async function openConfig(env: Record<string, string | undefined>): Promise<ConfigStore> {
  const { default: Conf } = await withoutNewSignalHooks(() => import("conf"));
  const dir = env.FLOTILLA_CONFIG_DIR;
  let store: InstanceType<typeof Conf<Record<string, unknown>>>;
  try {
    store = new Conf<Record<string, unknown>>({
      projectName: "flotilla",
      projectSuffix: "",
      ...(dir === undefined || dir === "" ? {} : { cwd: dir }),
    });
  } catch (error) {
    throw new FlotillaError("USAGE", `cannot read the Flotilla config: ${(error as Error).message}`, { cause: error });
  }
  return {
    path: store.path,
    get: (key) => store.get(key),
    all: () => validConfig(store.store, store.path),
    set(key, raw) {
      const value = parseConfigValue(key, raw);
      store.set(key, value);
      return value;
    },
    unset: (key) => store.delete(key),
  };
}

/**
 * conf writes through `atomically`, whose `when-exit` dependency hooks every
 * signal when it is first loaded and, after its callbacks, sends the signal to
 * this process again. Under `flotilla run` that turns one Ctrl-C into two, and
 * the second skips the orderly teardown. Signals belong to cli/signals.ts, so
 * the hooks that loading adds are taken off again; its exit hook stays.
 */
async function withoutNewSignalHooks<T>(load: () => Promise<T>): Promise<T> {
  const signals = Object.keys(constants.signals) as NodeJS.Signals[];
  const before = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await load();
  } finally {
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
      }
    }
  }
}

/** The stored config, checked: a hand-edited file with a wrong type is named, not silently used. */
export function validConfig(data: Record<string, unknown>, path: string): UserConfig {
  const out: UserConfig = {};
  const bad = (key: string) =>
    new FlotillaError("USAGE", `${path}: ${key} has the wrong type (fix it with flotilla config set ${key} …)`, {
      context: { file: path, key },
    });
  if (data.platform !== undefined) {
    if (typeof data.platform !== "string" || !(PLATFORMS as readonly string[]).includes(data.platform)) {
      throw bad("platform");
    }
    out.platform = data.platform as PlatformName;
  }
  const slurm = data.slurm;
  if (slurm !== undefined) {
    if (typeof slurm !== "object" || slurm === null || Array.isArray(slurm)) throw bad("slurm");
    const s = slurm as Record<string, unknown>;
    const section: NonNullable<UserConfig["slurm"]> = {};
    for (const field of ["account", "partition", "qos", "constraint", "reservation"] as const) {
      const value = s[field];
      if (value === undefined) continue;
      if (typeof value !== "string") throw bad(`slurm.${field}`);
      section[field] = value;
    }
    if (s.extra_args !== undefined) {
      if (!Array.isArray(s.extra_args) || !s.extra_args.every((a) => typeof a === "string")) {
        throw bad("slurm.extra_args");
      }
      section.extra_args = s.extra_args;
    }
    out.slurm = section;
  }
  return out;
}
