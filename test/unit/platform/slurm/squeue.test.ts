import { describe, expect, it } from "vitest";
import { gpuIndicesFromGresDetail } from "../../../../engine/platform/slurm/gres.js";
import { parseSinfoAddresses } from "../../../../engine/platform/slurm/nodes.js";
import { isLiveState, parseSqueueJson, queuePosition } from "../../../../engine/platform/slurm/squeue.js";

// Trimmed from `squeue --json` of Slurm 22.05 (plain numbers, string states).
const V22 = JSON.stringify({
  meta: {},
  errors: [],
  jobs: [
    {
      job_id: 1,
      name: "flotilla-demo",
      job_state: "RUNNING",
      state_reason: "None",
      partition: "debug",
      nodes: "node[1-2]",
      priority: 4294901759,
      submit_time: 1795337944,
      end_time: 1795338244,
      gres_detail: ["gpu:2(IDX:0-1)", "gpu:a100:2(IDX:1,3)"],
      job_resources: {
        allocated_nodes: [
          {
            nodename: "node1",
            sockets: { "2": { cores: { "0": "allocated" } }, "3": { cores: { "0": "allocated" } } },
          },
          { nodename: "node2", sockets: { "0": { cores: { "0": "allocated", "1": "allocated", "2": "allocated" } } } },
        ],
      },
    },
    {
      job_id: 7,
      job_state: "PENDING",
      state_reason: "Resources",
      partition: "debug",
      nodes: "",
      priority: 10,
      submit_time: 5,
    },
    {
      job_id: 8,
      job_state: "PENDING",
      state_reason: "Priority",
      partition: "debug",
      nodes: "",
      priority: 20,
      submit_time: 9,
    },
    {
      job_id: 9,
      job_state: "PENDING",
      state_reason: "Priority",
      partition: "debug",
      nodes: "",
      priority: 10,
      submit_time: 6,
    },
    {
      job_id: 10,
      job_state: "PENDING",
      state_reason: "Priority",
      partition: "other",
      nodes: "",
      priority: 99,
      submit_time: 1,
    },
  ],
});

// Slurm 23.02+ shape: state flag lists and {set, infinite, number} numbers.
const V23 = JSON.stringify({
  jobs: [
    {
      job_id: 42,
      job_state: ["RUNNING", "COMPLETING"],
      state_reason: "None",
      partition: "gpu",
      nodes: "gpu[01-02]",
      priority: { set: true, infinite: false, number: 3 },
      end_time: { set: true, infinite: false, number: 1700000000 },
      submit_time: { set: false, infinite: false, number: 0 },
      gres_detail: ["gpu:4(IDX:0-3)", "gpu:4(IDX:0-3)"],
    },
  ],
});

describe("parseSqueueJson", () => {
  it("reads state, nodes, end time and the GPU ids and cores on each node (22.05)", () => {
    const [job] = parseSqueueJson(V22);
    expect(job).toMatchObject({ id: "1", state: "RUNNING", nodes: ["node1", "node2"], endTime: 1795338244 });
    expect(job?.gpusByNode.get("node1")).toEqual([0, 1]);
    expect(job?.gpusByNode.get("node2")).toEqual([1, 3]);
    expect(job?.coresByNode.get("node1")).toBe(2);
    expect(job?.coresByNode.get("node2")).toBe(3);
  });

  it("reads 23.02+ states and number objects", () => {
    const [job] = parseSqueueJson(V23);
    expect(job).toMatchObject({ id: "42", state: "RUNNING", priority: 3, endTime: 1700000000, submitTime: undefined });
    expect(job?.gpusByNode.get("gpu02")).toEqual([0, 1, 2, 3]);
  });

  it("names what is wrong with output it cannot read", () => {
    expect(() => parseSqueueJson("squeue: error: Invalid job id")).toThrow(/not JSON/);
    expect(() => parseSqueueJson("{}")).toThrow(/no `jobs` list/);
  });
});

describe("queuePosition", () => {
  it("orders pending jobs of the same partition by priority, then submit time", () => {
    const jobs = parseSqueueJson(V22);
    expect(queuePosition(jobs, "8")).toBe(1);
    expect(queuePosition(jobs, "7")).toBe(2);
    expect(queuePosition(jobs, "9")).toBe(3);
    expect(queuePosition(jobs, "10")).toBe(1);
    expect(queuePosition(jobs, "1")).toBeUndefined();
  });
});

describe("gpuIndicesFromGresDetail", () => {
  it("reads ranges, lists, typed GPUs and ignores other GRES", () => {
    expect(gpuIndicesFromGresDetail("gpu:2(IDX:0-1)")).toEqual([0, 1]);
    expect(gpuIndicesFromGresDetail("gpu:tesla:3(IDX:0,2-3)")).toEqual([0, 2, 3]);
    expect(gpuIndicesFromGresDetail("nic:1(IDX:0),gpu:1(IDX:5)")).toEqual([5]);
    expect(gpuIndicesFromGresDetail("")).toEqual([]);
    expect(gpuIndicesFromGresDetail("gpu:0(IDX:N/A)")).toEqual([]);
  });
});

describe("isLiveState", () => {
  it("treats pending, running and completing as live and ended states as gone", () => {
    expect(["PENDING", "RUNNING", "COMPLETING"].every(isLiveState)).toBe(true);
    expect(["CANCELLED", "COMPLETED", "FAILED", "TIMEOUT"].some(isLiveState)).toBe(false);
  });
});

describe("parseSinfoAddresses", () => {
  it("reads each node's NodeAddr from sinfo --json, and nothing from what it cannot read", () => {
    const text = JSON.stringify({
      nodes: [{ name: "node1", address: "10.0.0.1", hostname: "n1" }, { name: "node2", address: "" }, { name: 3 }],
    });
    expect(parseSinfoAddresses(text)).toEqual([["node1", "10.0.0.1"]]);
    expect(parseSinfoAddresses("sinfo: error")).toEqual([]);
  });
});
