import { describe, expect, it } from "vitest";
import { detectPlatform } from "../../../../engine/platform/detect.js";
import { encodeIdset, idset, parseR } from "../../../../engine/platform/flux/resources.js";

const R = (rlite: unknown, nodelist: string[], expiration = 0) =>
  JSON.stringify({ version: 1, execution: { R_lite: rlite, starttime: 0, expiration, nodelist } });

describe("parseR", () => {
  it("names ranks that share a host with the rank, as under flux start --test-size", () => {
    const out = parseR(R([{ rank: "0-3", children: { core: "0-1" } }], ["box,box,box,box"]));
    expect(out.ranks.map((r) => r.name)).toEqual(["box-0", "box-1", "box-2", "box-3"]);
    expect(out.ranks.every((r) => r.host === "box" && r.cores.join() === "0,1" && r.gpus.length === 0)).toBe(true);
    expect(out.expiration).toBeUndefined();
  });

  it("keeps plain host names when each host has one broker, with GPUs and expiration", () => {
    const out = parseR(
      R(
        [
          { rank: "0", children: { core: "0-3", gpu: "0-1" } },
          { rank: "1", children: { core: "0-7" } },
        ],
        ["gpu[01-02]"],
        1_900_000_000,
      ),
    );
    expect(out.ranks).toEqual([
      { rank: 0, host: "gpu01", name: "gpu01", cores: [0, 1, 2, 3], gpus: [0, 1] },
      { rank: 1, host: "gpu02", name: "gpu02", cores: [0, 1, 2, 3, 4, 5, 6, 7], gpus: [] },
    ]);
    expect(out.expiration).toBe(1_900_000_000);
  });

  it("refuses text that is not R", () => {
    expect(() => parseR("nope")).toThrow(/not JSON/);
    expect(() => parseR("{}")).toThrow(/R_lite/);
  });
});

describe("idsets", () => {
  it("round-trips", () => {
    expect(idset("0-3,7")).toEqual([0, 1, 2, 3, 7]);
    expect(encodeIdset([7, 0, 1, 2, 3])).toBe("0-3,7");
    expect(idset("")).toEqual([]);
    expect(() => idset("3-1")).toThrow();
  });
});

describe("detectPlatform", () => {
  it("picks flux inside a Flux instance, even inside a Slurm job", () => {
    expect(detectPlatform({ FLUX_URI: "local:///tmp/x" })).toBe("flux");
    expect(detectPlatform({ FLUX_URI: "local:///tmp/x", SLURM_JOB_ID: "3" })).toBe("flux");
    expect(detectPlatform({ SLURM_JOB_ID: "3" })).toBe("slurm");
    expect(detectPlatform({ FLUX_URI: " " })).toBe("local");
  });
});
