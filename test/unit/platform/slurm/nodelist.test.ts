import { describe, expect, it } from "vitest";
import { expandCounts, expandNodeList } from "../../../../engine/platform/slurm/nodelist.js";

describe("expandNodeList", () => {
  it("expands ranges and single ids in brackets, in order", () => {
    expect(expandNodeList("node[1-4,7]")).toEqual(["node1", "node2", "node3", "node4", "node7"]);
  });

  it("keeps zero padding and handles several groups and plain names", () => {
    expect(expandNodeList("gpu[01-02]-ib,login,cn[009-010]")).toEqual([
      "gpu01-ib",
      "gpu02-ib",
      "login",
      "cn009",
      "cn010",
    ]);
  });

  it("multiplies several bracket groups in one name", () => {
    expect(expandNodeList("r[1-2]n[1-2]")).toEqual(["r1n1", "r1n2", "r2n1", "r2n2"]);
  });

  it("reads an empty or null list as no nodes", () => {
    expect(expandNodeList("")).toEqual([]);
    expect(expandNodeList("(null)")).toEqual([]);
  });

  it.each(["node[1-", "node]1[", "node[4-1]", "node[a-b]", "node[1-99999999]"])(
    "rejects %s with a clear error",
    (bad) => {
      expect(() => expandNodeList(bad)).toThrow(/cannot read Slurm node list/);
    },
  );
});

describe("expandCounts", () => {
  it("expands Slurm's repeat notation", () => {
    expect(expandCounts("72(x2),36")).toEqual([72, 72, 36]);
    expect(expandCounts("4")).toEqual([4]);
  });

  it("rejects what it cannot read", () => {
    expect(() => expandCounts("4(x)")).toThrow(/cannot read Slurm count list/);
  });
});
