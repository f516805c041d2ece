import { describe, expect, it } from "vitest";
import { problemLines as problems, yaml } from "../../helpers/workload-errors.js";

describe("semantic checks", () => {
  it("accepts a sound workload", () => {
    const text = yaml(
      "services:",
      "  - name: web",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, kept literal on purpose
      '    command: [server, "--port={port}", "--gpus={gpu_ids}", "{{literal}}", "${HOME}", "awk {print $1}"]',
      "  - name: remote",
      "    endpoints: [http://127.0.0.1:9000]",
      "  - name: fake",
      "    backend: noop",
      "tasks:",
      "  - name: sweep",
      "    command: [run, '{item}']",
      "    for_each: [a, b]",
      "    uses: [web, remote]",
      "  - name: ask",
      "    service: fake",
      "    requests: prompts.jsonl",
    );
    expect(problems(text)).toEqual([]);
  });

  it("rejects duplicate names across services and tasks", () => {
    const text = yaml(
      "services:",
      "  - { name: a, command: [x] }",
      "tasks:",
      "  - { name: a, command: [x] }",
      "  - { name: a, command: [x] }",
    );
    expect(problems(text)).toEqual([
      'w.yaml:5:13: tasks[0].name: duplicate name "a" (first used at services[0])',
      'w.yaml:6:13: tasks[1].name: duplicate name "a" (first used at services[0])',
    ]);
  });

  it("rejects references to unknown services, with a suggestion", () => {
    const text = yaml(
      "services:",
      "  - { name: web, command: [x] }",
      "tasks:",
      "  - { name: t, command: [x], uses: [wbe, t] }",
      "  - { name: i, service: nothing, requests: r.jsonl }",
    );
    expect(problems(text)).toEqual([
      'w.yaml:5:37: tasks[0].uses[0]: unknown service "wbe"; did you mean "web"?',
      'w.yaml:5:42: tasks[0].uses[1]: "t" is a task, not a service',
      'w.yaml:6:25: tasks[1].service: unknown service "nothing"',
    ]);
  });

  it("rejects contradictory or incomplete tasks", () => {
    const text = yaml(
      "services:",
      "  - { name: s, backend: noop }",
      "tasks:",
      "  - { name: both, command: [x], count: 2, for_each: [a] }",
      "  - { name: nothing }",
      "  - { name: infer, service: s }",
      "  - { name: orphan, command: [x], requests: r.jsonl }",
    );
    expect(problems(text)).toEqual([
      "w.yaml:5:53: tasks[0].for_each: give count or for_each, not both",
      'w.yaml:6:5: tasks[1]: task "nothing" needs a command (or service: and requests: for an inference task)',
      "w.yaml:7:29: tasks[2].service: an inference task needs requests: (a file with one request per line)",
      "w.yaml:8:45: tasks[3].requests: requests are sent to a service; add service: NAME",
    ]);
  });

  it("rejects services without a way to run and readiness without a command", () => {
    const text = yaml(
      "services:",
      "  - name: s",
      "    replicas: 2",
      "  - name: r",
      "    endpoints: [http://127.0.0.1:1]",
      "    ready: { tcp: true }",
    );
    expect(problems(text)).toEqual([
      'w.yaml:3:5: services[0]: service "s" needs a command (or backend: noop, or endpoints: for remote instances)',
      "w.yaml:7:12: services[1].ready: ready probes a launched command; this service has no command",
    ]);
  });

  it("holds endpoints services to one replicas rule: a count needs something to launch", () => {
    const text = yaml(
      "services:",
      "  - name: a",
      "    backend: openai",
      "    replicas: 2",
      "    endpoints: [http://127.0.0.1:1/v1]",
      "  - name: b",
      "    backend: openai",
      "    command: [x, '{port}']",
      "    endpoints: [http://127.0.0.1:1/v1]",
      "  - name: c",
      "    backend: noop",
      "    replicas: 0",
      "  - name: d",
      "    backend: noop",
      "    endpoints: [tcp://127.0.0.1:1]",
    );
    expect(problems(text)).toEqual([
      "w.yaml:5:15: services[0].replicas: 2 replicas to launch need a command (or backend: noop); without replicas: only the endpoints are used",
      "w.yaml:9:14: services[1].command: is never launched: a service with endpoints launches only the replicas: it is given (add replicas: N)",
      "w.yaml:13:15: services[2].replicas: replicas: 0 launches nothing, and there are no endpoints",
    ]);
  });

  it("rejects a log probe that is not a regular expression", () => {
    const text = yaml("services:", "  - name: s", "    command: [x]", "    ready: { log: 'listening on (' }");
    expect(problems(text)[0]).toMatch(/^w\.yaml:5:19: services\[0\]\.ready\.log: not a valid regular expression/);
  });

  it("rejects unknown and misplaced placeholders", () => {
    const text = yaml(
      "services:",
      "  - name: s",
      "    command: [x, '{prot}', '{item}']",
      "tasks:",
      "  - name: t",
      "    command: [x, '{item}', '{port}']",
      "    env: { WHERE: '{nowhere}' }",
    );
    expect(problems(text)).toEqual([
      "w.yaml:4:18: services[0].command[1]: unknown placeholder {prot} (did you mean {port}?)",
      "w.yaml:4:28: services[0].command[2]: placeholder {item} is only for tasks with for_each",
      "w.yaml:7:18: tasks[0].command[1]: placeholder {item} needs for_each on this task",
      "w.yaml:7:28: tasks[0].command[2]: placeholder {port} is only for services (Flotilla picks no port for a task)",
      expect.stringMatching(/^w\.yaml:8:19: tasks\[0\]\.env\.WHERE: unknown placeholder \{nowhere\} \(known: \{port\}/),
    ]);
  });

  it("rejects for_each items that collapse to the same id", () => {
    const text = yaml("tasks:", "  - { name: t, command: [x], for_each: ['a b', 'a_b'] }");
    expect(problems(text)).toEqual(['w.yaml:3:48: tasks[0].for_each[1]: items "a b" and "a_b" both give the id t.a_b']);
  });

  it("rejects requests bigger than one node of the stated allocation", () => {
    const text = yaml(
      "allocation: { cores: 4, gpus: 2 }",
      "services:",
      "  - { name: s, command: [x], gpus: 4 }",
      "tasks:",
      "  - { name: t, command: [x], cores: 8, ranks: 4 }",
    );
    expect(problems(text)).toEqual([
      "w.yaml:4:36: services[0].gpus: asks 4 GPUs per instance but a node of the allocation has 2 (allocation.gpus)",
      "w.yaml:6:37: tasks[0].cores: asks 8 cores per rank but a node of the allocation has 4 (allocation.cores)",
    ]);
  });
});
