/**
 * The HTTP front's bearer token through the built binary: a `flotilla run`
 * whose task gets the token as OPENAI_API_KEY and reaches the front with the
 * official openai client, unchanged; curl without the token, and another
 * Unix user, get 401; the token file is the owner's alone. And the
 * --front-host / --insecure rules.
 */
import { execFile } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.js";
import { ROOT } from "../helpers/host-process.js";
import { tempDir } from "../helpers/tmp.js";

const exec = promisify(execFile);

const CLIENT = `
import { createRequire } from "node:module";
const require = createRequire(${JSON.stringify(join(ROOT, "package.json"))});
const { OpenAI } = require("openai");
const client = new OpenAI({ maxRetries: 0 });
const models = await client.models.list();
const chat = await client.chat.completions.create({ model: "noop", messages: [{ role: "user", content: "hi" }] });
console.log(JSON.stringify({ models: models.data.map((m) => m.id), chat: chat.choices[0].message.content }));
`;

/** HTTP status of a GET with curl, as `user` ("nobody" runs it through setpriv). */
async function curlStatus(url: string, headers: string[] = [], user: "root" | "nobody" = "root"): Promise<number> {
  const args = ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", url];
  for (const header of headers) args.push("-H", header);
  const [file, ...rest] =
    user === "nobody"
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "curl", ...args]
      : ["curl", ...args];
  const { stdout } = await exec(file as string, rest);
  return Number(stdout);
}

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(existsSync(path), `${path} never appeared`).toBe(true);
}

const envOf = (text: string) =>
  Object.fromEntries(
    text
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );

describe("the HTTP front's token in flotilla run", () => {
  it("is required of every client, given to the tasks that use a service, and private to its owner", async () => {
    const dir = tempDir("flotilla-front-auth-");
    // Readable by others down to the session directory: what keeps the token private must be keys/ itself.
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "client.mjs"), CLIENT);
    const wait = `for i in $(seq 600); do [ -e ${join(dir, "done")} ] && exit 0; sleep 0.1; done; exit 1`;
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: echo
    backend: noop
tasks:
  - name: client
    uses: [echo]
    command: ["sh", "-c", ${JSON.stringify(`env > client.env && ${process.execPath} client.mjs && touch ready && ${wait}`)}]
  - name: plain
    command: ["sh", "-c", "env > plain.env"]
`,
    );
    const session = join(dir, "session");
    const run = startCli(["run", "workload.yaml", "--json", "--cores", "4", "--session-dir", session], { cwd: dir });
    const finished = run.done.then((result) => {
      // Let the waiting task go should the test fail half-way.
      writeFileSync(join(dir, "done"), "");
      return result;
    });
    await Promise.race([waitForFile(join(dir, "ready")), finished]);
    chmodSync(session, 0o755);

    const file = join(session, "keys", "front.token");
    const token = readFileSync(file, "utf8");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(session, "keys")).mode & 0o777).toBe(0o700);

    const env = envOf(readFileSync(join(dir, "client.env"), "utf8"));
    expect(env.OPENAI_API_KEY).toBe(token);
    expect(env.FLOTILLA_FRONT_TOKEN_FILE).toBe(file);
    expect(env.OPENAI_BASE_URL).toBe(env.FLOTILLA_SERVICE_ECHO_HTTP);
    expect(env.OPENAI_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/echo\/v1$/);
    const plain = envOf(readFileSync(join(dir, "plain.env"), "utf8"));
    expect(Object.values(plain)).not.toContain(token);
    expect(plain.FLOTILLA_FRONT_TOKEN_FILE).toBeUndefined();

    // The official client, configured by the environment alone.
    expect(JSON.parse(readFileSync(join(session, "logs", "client.out"), "utf8"))).toEqual({
      models: ["noop"],
      chat: "hi",
    });

    const models = `${env.OPENAI_BASE_URL}/models`;
    expect(await curlStatus(models)).toBe(401);
    expect(await curlStatus(models, ["authorization: Bearer wrong"])).toBe(401);
    expect(await curlStatus(models, [`authorization: Bearer ${token}`])).toBe(200);
    expect(await curlStatus(models, [], "nobody")).toBe(401);
    const read = exec("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "cat", file]);
    await expect(read).rejects.toMatchObject({ stderr: expect.stringMatching(/Permission denied/) });

    writeFileSync(join(dir, "done"), "");
    const result = await finished;
    expect(result.code, result.stderr).toBe(0);
    // The secret is in its file and the tasks' env, nowhere in the record.
    for (const name of ["events.jsonl", ...readdirSync(join(session, "logs")).map((log) => join("logs", log))]) {
      expect(readFileSync(join(session, name), "utf8"), name).not.toContain(token);
    }
    expect(result.stdout).not.toContain(token);
    expect(result.stderr).not.toContain(token);
  });

  it("keeps the token on a non-loopback --front-host, and says the traffic is not encrypted", async () => {
    const dir = tempDir("flotilla-front-host-");
    // The test talks to loopback only: 0.0.0.0 includes it. Without the token: 401; with it: the answer.
    const base = `$(echo "$OPENAI_BASE_URL" | sed s/0.0.0.0/127.0.0.1/)`;
    const curl =
      `curl -sS -o /dev/null -w "anon=%{{http_code}}\\n" "${base}/models"; ` +
      `curl -sS -o /dev/null -w "with=%{{http_code}}\\n" -H "Authorization: Bearer $OPENAI_API_KEY" "${base}/models"`;
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: echo
    backend: noop
tasks:
  - name: client
    uses: [echo]
    command: ["sh", "-c", ${JSON.stringify(curl)}]
`,
    );
    const session = join(dir, "session");
    const result = await runCli(
      ["run", "workload.yaml", "--json", "--front-host", "0.0.0.0", "--session-dir", session],
      {
        cwd: dir,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/HTTP front on 0\.0\.0\.0 takes only requests with the run's token.*not encrypted/);
    const out = readFileSync(join(session, "logs", "client.out"), "utf8");
    expect(out).toContain("anon=401\n");
    expect(out).toContain("with=200\n");
  });

  it("with --insecure listens there without a token, and warns", async () => {
    const dir = tempDir("flotilla-front-insecure-");
    // The test talks to loopback only: 0.0.0.0 includes it.
    const curl = `curl -sS --fail-with-body "$(echo "$OPENAI_BASE_URL" | sed s/0.0.0.0/127.0.0.1/)/models"; echo; echo "key=$OPENAI_API_KEY file=$FLOTILLA_FRONT_TOKEN_FILE"`;
    writeFileSync(
      join(dir, "workload.yaml"),
      `version: 1
services:
  - name: echo
    backend: noop
tasks:
  - name: client
    uses: [echo]
    command: ["sh", "-c", ${JSON.stringify(curl)}]
`,
    );
    const session = join(dir, "session");
    const args = ["run", "workload.yaml", "--json", "--front-host", "0.0.0.0", "--insecure", "--session-dir", session];
    const result = await runCli(args, { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/warning: --insecure turns authentication off/);
    const out = readFileSync(join(session, "logs", "client.out"), "utf8");
    expect(out).toContain('"id":"noop"');
    expect(out).toContain("key=none file=\n");
    expect(existsSync(join(session, "keys", "front.token"))).toBe(false);
  });
});
