import { describe, expect, it } from "vitest";
import { parseConfigValue, validConfig } from "../../../cli/config.js";
import { resolveSettings } from "../../../cli/settings.js";

describe("resolveSettings", () => {
  const config = {
    platform: "slurm" as const,
    slurm: { account: "cfg-acct", partition: "cfg-part", qos: "low", extra_args: ["--mail-type=END"] },
  };

  it("takes the launcher from the workload, and leaves it out when not given", () => {
    const resolved = resolveSettings({ platform: "slurm", launcher: "flux" }, {}, {});
    expect(resolved).toMatchObject({ platform: "slurm", launcher: "flux" });
    expect(resolved.settings.launcher).toEqual({ value: "flux", source: "workload" });
    expect(resolveSettings({}, {}, {}).launcher).toBeUndefined();
  });

  it("takes flags over the workload over the user config over defaults, and says which", () => {
    const resolved = resolveSettings(
      { platform: "auto", nodes: 4, gpus: 2, partition: "gpu", walltime: 3_600_000 },
      { platform: "local", gpus: 8 },
      config,
    );
    expect(resolved).toMatchObject({
      platform: "local",
      nodes: 4,
      gpus: 8,
      partition: "gpu",
      account: "cfg-acct",
      qos: "low",
      walltimeMs: 3_600_000,
      extraArgs: ["--mail-type=END"],
    });
    expect(resolved.cores).toBeUndefined();
    expect(resolved.settings).toMatchObject({
      platform: { value: "local", source: "flag" },
      nodes: { value: 4, source: "workload" },
      gpus: { value: 8, source: "flag" },
      cores: { value: "detected", source: "default" },
      partition: { value: "gpu", source: "workload" },
      account: { value: "cfg-acct", source: "config" },
      extra_args: { value: ["--mail-type=END"], source: "config" },
      constraint: { value: null, source: "default" },
    });
  });

  it("falls back to the config's platform, then local", () => {
    expect(resolveSettings({}, {}, config).settings.platform).toEqual({ value: "slurm", source: "config" });
    expect(resolveSettings({}, {}, {}).settings.platform).toEqual({ value: "local", source: "default" });
  });
});

describe("config values", () => {
  it("checks each key's value", () => {
    expect(parseConfigValue("platform", "auto")).toBe("auto");
    expect(() => parseConfigValue("platform", "pbs")).toThrow(/one of local, slurm, flux, auto/);
    expect(parseConfigValue("slurm.extra_args", "--a=1  --b")).toEqual(["--a=1", "--b"]);
    expect(parseConfigValue("slurm.extra_args", '["--x y"]')).toEqual(["--x y"]);
    expect(() => parseConfigValue("slurm.extra_args", "[1]")).toThrow(/JSON list of strings/);
    expect(() => parseConfigValue("slurm.account", " ")).toThrow(/must not be empty/);
  });

  it("names the file and key of a hand-edited value of the wrong type", () => {
    expect(() => validConfig({ slurm: { account: 7 } }, "/home/u/.config/flotilla/config.json")).toThrow(
      /config\.json: slurm\.account has the wrong type/,
    );
    expect(validConfig({ platform: "slurm", slurm: { qos: "hi" } }, "p")).toEqual({
      platform: "slurm",
      slurm: { qos: "hi" },
    });
  });
});
