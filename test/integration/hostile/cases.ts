/**
 * The hostile-input corpus: every case, its command, where it runs (the
 * committed fixtures or the generated directory), and the exit code and
 * location expected. Messages are matched as `FILE:LINE:COL: field: ...`.
 */
export interface HostileCase {
  name: string;
  /** `fixtures`: test/fixtures/workloads/hostile; `generated`: the suite's temporary directory. */
  cwd: "fixtures" | "generated";
  args: string[];
  code: number;
  stderr?: RegExp;
  stdout?: RegExp;
  /** Text of the file that must not be echoed back. */
  notEchoed?: string;
}

const v = (file: string, cwd: HostileCase["cwd"], code: number, stderr: RegExp, extra: Partial<HostileCase> = {}) => ({
  name: `validate ${file}`,
  cwd,
  args: ["validate", file],
  code,
  stderr,
  ...extra,
});

export const CASES: HostileCase[] = [
  // YAML structure.
  v("alias-bomb.yaml", "fixtures", 2, /alias-bomb\.yaml:3:8: YAML: aliases expand to too much data/),
  v("alias-cycle.yaml", "fixtures", 2, /alias-cycle\.yaml:4:14: self(\[0\])+: lists and mappings nested more than 32/),
  v("many-aliases.yaml", "generated", 2, /many-aliases\.yaml:3:\d+: YAML: more than 1,000 aliases/),
  v("unknown-alias.yaml", "fixtures", 2, /unknown-alias\.yaml:3:8: YAML: Unresolved alias/),
  v("deep-flow.yaml", "fixtures", 2, /deep-flow\.yaml:2:\d+: YAML: lists and mappings nested more than 32 deep/),
  v("deep-flow-huge.yaml", "generated", 2, /deep-flow-huge\.yaml:2:\d+: YAML: lists and mappings nested more than 32/),
  v("deep-block.yaml", "generated", 2, /deep-block\.yaml:\d+:\d+: YAML: lists and mappings nested more than 32 deep/),
  v("deep-seq.yaml", "generated", 2, /deep-seq\.yaml:3:\d+: YAML: lists and mappings nested more than 32 deep/),
  v("multi-document.yaml", "fixtures", 2, /multi-document\.yaml:3:1: YAML: the file holds more than one document/),
  v(
    "not-a-mapping.yaml",
    "fixtures",
    2,
    /not-a-mapping\.yaml:1:1: \(top level\): a workload is a mapping.*not a string/,
    {
      notEchoed: "SECRET-LOOKING-TEXT",
    },
  ),
  v("a-list.yaml", "fixtures", 2, /a-list\.yaml:1:1: \(top level\): a workload is a mapping.*not a list/, {
    notEchoed: "SECRET-LOOKING-TEXT",
  }),
  v("duplicate-key.json", "generated", 2, /duplicate-key\.json:1:58: YAML: Map keys must be unique/),
  v("tasks-30k.yaml", "generated", 2, /tasks-30k\.yaml:\d+:\d+: YAML: more than 150,000 values.*as JSON/),
  v("yaml-at-limit.yaml", "generated", 0, /^$/, {
    stdout: /ok: yaml-at-limit — 0 services \(0 instances\), 1 task \(149980 instances\)/,
  }),
  // Counts, one per counted field, and totals before expansion.
  v(
    "count-billion.yaml",
    "fixtures",
    2,
    /count-billion\.yaml:5:12: tasks\[0\]\.count: must be at most 1,000,000, got 1000000000/,
  ),
  v(
    "replicas-billion.yaml",
    "fixtures",
    2,
    /replicas-billion\.yaml:5:15: services\[0\]\.replicas: must be at most 100,000/,
  ),
  v("ranks-billion.yaml", "fixtures", 2, /ranks-billion\.yaml:5:12: tasks\[0\]\.ranks: must be at most 1,000,000/),
  v("nodes-billion.yaml", "fixtures", 2, /nodes-billion\.yaml:3:10: allocation\.nodes: must be at most 200,000/),
  v("cores-billion.yaml", "fixtures", 2, /cores-billion\.yaml:3:10: allocation\.cores: must be at most 4,096/),
  v("gpus-billion.yaml", "fixtures", 2, /gpus-billion\.yaml:3:9: allocation\.gpus: must be at most 1,024/),
  v("task-gpus-billion.yaml", "fixtures", 2, /task-gpus-billion\.yaml:5:11: tasks\[0\]\.gpus: must be at most 1,024/),
  v(
    "for-each-over.json",
    "generated",
    2,
    /for-each-over\.json:2:14: tasks\[0\]\.for_each: has 1,000,001 items; at most 1,000,000/,
  ),
  v(
    "tasks-total.yaml",
    "fixtures",
    2,
    /tasks-total\.yaml:8:12: tasks\[1\]\.count: brings the workload to 1,200,000 task processes/,
  ),
  v(
    "services-total.yaml",
    "fixtures",
    2,
    /services-total\.yaml:8:15: services\[1\]\.replicas: brings the workload to 120,000/,
  ),
  v(
    "ranks-over-allocation.yaml",
    "fixtures",
    2,
    /ranks-over-allocation\.yaml:6:12: tasks\[0\]\.ranks: 9 ranks need 9 cores, but the allocation has 8/,
  ),
  v(
    "replicas-over-allocation.yaml",
    "fixtures",
    2,
    /replicas-over-allocation\.yaml:8:15: services\[0\]\.replicas: services hold 5 gpus in all, but the allocation has 4/,
  ),
  v(
    "replicas-1e400.yaml",
    "fixtures",
    2,
    /replicas-1e400\.yaml:5:15: services\[0\]\.replicas: expected a number, got a number too large to represent/,
  ),
  v(
    "empty-tasks-1m.json",
    "generated",
    2,
    /empty-tasks-1m\.json: at least 1,000 problems in the workload \(checking stopped there\)\n {2}empty-tasks-1m\.json:1:\d+: tasks\[0\]\.name: is required/,
  ),
  // Strings.
  v("long-name.yaml", "fixtures", 2, /long-name\.yaml:2:7: name: is 1,000 characters long; at most 64/),
  v(
    "long-item.yaml",
    "fixtures",
    2,
    /long-item\.yaml:5:16: tasks\[0\]\.for_each\[0\]: is 200 characters long; at most 128/,
  ),
  v("name-10mb.yaml", "generated", 2, /name-10mb\.yaml:2:7: name: is 10,000,000 characters long/),
  v(
    "command-1mb.yaml",
    "generated",
    2,
    /command-1mb\.yaml:4:15: tasks\[0\]\.command\[0\]: is 1,000,000 characters long/,
  ),
  v(
    "huge-name.yaml",
    "generated",
    2,
    /cannot read workload huge-name\.yaml: is 50,000,018 bytes; .* at most 16,777,216 bytes/,
  ),
  // Files that are not workload text.
  v("garbage.yaml", "generated", 2, /cannot read workload garbage\.yaml: is not (UTF-8 text|a text file)/),
  v("nul.yaml", "generated", 2, /cannot read workload nul\.yaml: is not a text file: a NUL byte at line 2/),
  v("fifo.yaml", "generated", 2, /cannot read workload fifo\.yaml: is a named pipe \(FIFO\)/),
  v("a-directory.yaml", "generated", 2, /cannot read workload a-directory\.yaml: is a directory/),
  v("/dev/zero", "generated", 2, /cannot read workload \/dev\/zero: is a device, not a regular file/),
  // Valid and big: must pass, and fast (a regression to quadratic checks takes minutes).
  v("tasks-100k.json", "generated", 0, /^$/, { stdout: /ok: many — 1 service \(1 instance\), 100000 tasks/ }),
  // plan and run read the same way, and check their flags against the same ceilings.
  { name: "plan tasks-100k.json", cwd: "generated", args: ["plan", "tasks-100k.json"], code: 0, stdout: /plan: many/ },
  {
    name: "plan 100,000 tasks that never fit",
    cwd: "generated",
    args: ["plan", "tasks-100k-2-gpus.json", "--gpus", "1"],
    code: 2,
    stderr: /tasks-100k-2-gpus\.json:\d+:\d+: tasks\[0\]\.gpus: asks 2 GPUs per process[\s\S]*\.\.\. and 99,900 more/,
  },
  {
    name: "plan count-billion.yaml",
    cwd: "fixtures",
    args: ["plan", "count-billion.yaml"],
    code: 2,
    stderr: /count-billion\.yaml:5:12: tasks\[0\]\.count/,
  },
  {
    name: "run alias-bomb.yaml",
    cwd: "fixtures",
    args: ["run", "alias-bomb.yaml"],
    code: 2,
    stderr: /alias-bomb\.yaml:3:8: YAML: aliases/,
  },
  { name: "run /dev/zero", cwd: "generated", args: ["run", "/dev/zero"], code: 2, stderr: /\/dev\/zero: is a device/ },
  {
    name: "run fifo.yaml",
    cwd: "generated",
    args: ["run", "fifo.yaml"],
    code: 2,
    stderr: /fifo\.yaml: is a named pipe/,
  },
  {
    name: "plan --nodes 10^9",
    cwd: "generated",
    args: ["plan", "small.yaml", "--nodes", "1000000000"],
    code: 2,
    stderr: /--nodes may be at most 200,000, got "1000000000"/,
  },
  {
    name: "plan --cores 10^20",
    cwd: "generated",
    args: ["plan", "small.yaml", "--cores", "99999999999999999999"],
    code: 2,
    stderr: /--cores may be at most 4,096/,
  },
  {
    name: "run --gpus 10^9",
    cwd: "generated",
    args: ["run", "small.yaml", "--gpus", "1000000000"],
    code: 2,
    stderr: /--gpus may be at most 1,024/,
  },
  {
    name: "plan on the largest allocation",
    cwd: "generated",
    args: ["plan", "small.yaml", "--nodes", "200000", "--cores", "4096", "--gpus", "1024"],
    code: 0,
    stdout: /on 200000 nodes × 4096 cores, 1024 GPUs/,
  },
];
