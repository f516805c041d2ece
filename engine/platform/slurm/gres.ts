/**
 * GPU indices from one entry of squeue's `gres_detail`, such as
 * `gpu:2(IDX:0-1)`, `gpu:a100:2(IDX:1,3)` or, for several GRES kinds on one
 * node, `gpu:1(IDX:2),nic:1(IDX:0)`. Returns [] when the node has no GPUs.
 */
export function gpuIndicesFromGresDetail(detail: string): number[] {
  const ids: number[] = [];
  // Each GRES entry: name[:type]:count(IDX:list); the IDX list itself holds commas.
  for (const match of detail.matchAll(/(?:^|,)\s*gpu(?::[^:(,]+)?:\d+\(IDX:([^)]*)\)/g)) {
    const list = match[1] ?? "";
    if (list === "N/A") continue;
    for (const item of list.split(",")) {
      const range = /^(\d+)(?:-(\d+))?$/.exec(item.trim());
      if (!range?.[1]) continue;
      const from = Number(range[1]);
      const to = Number(range[2] ?? range[1]);
      for (let id = from; id <= to && id - from < 4096; id++) ids.push(id);
    }
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}
