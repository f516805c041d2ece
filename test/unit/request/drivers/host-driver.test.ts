import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { certificateText, writePrivateFile } from "../../../../engine/request/auth/key-files.js";
import { newKeyPair } from "../../../../engine/request/auth/new-key-pair.js";
import type { HostTransport } from "../../../../engine/request/auth/transport.js";
import { serverRoot, timingFromRoundTrip } from "../../../../engine/request/dispatch/http-channel.js";
import { hostCommand } from "../../../../engine/request/drivers/host-driver.js";
import { remoteEndpoint, remoteKeys } from "../../../../engine/request/drivers/remote-driver.js";
import { RequestPath } from "../../../../engine/request/request-path.js";
import type { InstanceContext } from "../../../../engine/service/driver.js";
import { EndpointRegistry } from "../../../../engine/service/endpoints.js";
import { type ServiceSpec, serviceSchema, workloadSchema } from "../../../../engine/workload/schema.js";
import { tempDir } from "../../../helpers/tmp.js";

const service = (fields: Record<string, unknown>): ServiceSpec => serviceSchema.parse({ name: "llm", ...fields });

const IPC: HostTransport = { kind: "ipc", flags: ["--bind", "ipc:///tmp/s/sockets/llm.1.sock"] };

function context(spec: ServiceSpec): InstanceContext {
  return {
    service: spec,
    instance: 1,
    placement: { node: "n1", cores: [2], gpus: [3], slots: [{ node: "n1", cores: [2], gpus: [3] }] },
    host: "127.0.0.1",
    port: 8123,
    self: ["/opt/flotilla"],
    sessionDir: "/tmp/s",
  };
}

describe("hostCommand", () => {
  it("wraps an openai backend's rendered command in `service-host` with the service's limits", () => {
    const spec = service({
      backend: "openai",
      command: ["vllm", "serve", "m", "--port", "{port}", "--gpus", "{gpu_ids}"],
      max_inflight: 4,
      max_queue: 32,
      startup_timeout: "2m",
      ready: { http: "/health" },
      env: { MODEL_DIR: "/models/{instance}" },
    });
    const plan = hostCommand(context(spec), IPC);
    expect(plan.command).toEqual([
      "/opt/flotilla",
      "service-host",
      "--backend",
      "openai",
      "--service",
      "llm",
      "--bind",
      "ipc:///tmp/s/sockets/llm.1.sock",
      "--max-inflight",
      "4",
      "--max-queue",
      "32",
      "--startup-timeout",
      "120000ms",
      "--backend-port",
      "8123",
      "--ready",
      "http:/health",
      "--",
      "vllm",
      "serve",
      "m",
      "--port",
      "8123",
      "--gpus",
      "3",
    ]);
    expect(plan.env).toEqual({ MODEL_DIR: "/models/1" });
  });

  it("runs a noop host with no command, passing the emulated delay", () => {
    const plan = hostCommand(context(service({ backend: "noop", delay: { mean_ms: 40, sd_ms: 5 } })), IPC);
    expect(plan.command.slice(-4)).toEqual(["--delay-mean", "40", "--delay-sd", "5"]);
    expect(plan.command).not.toContain("--");
    expect(plan.command).not.toContain("--backend-port");
  });
});

describe("remote instances", () => {
  it("number remote endpoints after the launched replicas", () => {
    const mixed = service({ backend: "noop", replicas: 2, endpoints: ["tcp://a:1", "http://b:2/v1"] });
    expect([2, 3, 4].map((i) => remoteEndpoint(mixed, i))).toEqual(["tcp://a:1", "http://b:2/v1", undefined]);
    const remoteOnly = service({ backend: "openai", endpoints: ["http://b:2/v1"] });
    expect(remoteEndpoint(remoteOnly, 0)).toBe("http://b:2/v1");
  });

  it("carry CURVE keys for tcp:// endpoints: server_key inline or a file, client_keys a file", () => {
    const dir = tempDir();
    const server = newKeyPair();
    const client = newKeyPair();
    writePrivateFile(join(dir, "client.key_secret"), certificateText(client));
    writeFileSync(join(dir, "host.key"), certificateText({ publicKey: server.publicKey }));
    const spec = service({
      backend: "noop",
      endpoints: [
        "tcp://a:1",
        { url: "tcp://b:2", server_key: server.publicKey, client_keys: "client.key_secret" },
        { url: "tcp://c:3", server_key: "host.key", client_keys: join(dir, "client.key_secret") },
        { url: "tcp://d:4", server_key: server.publicKey },
      ],
    });
    const [plain, inline, files, half] = spec.endpoints ?? [];
    expect(plain).toEqual({ url: "tcp://a:1" });
    expect(remoteKeys("llm", plain!, dir)).toBeUndefined();
    const expected = { serverKey: server.publicKey, ...client };
    expect(remoteKeys("llm", inline!, dir)).toEqual(expected);
    expect(remoteKeys("llm", files!, dir)).toEqual(expected);
    expect(() => remoteKeys("llm", half!, dir)).toThrow(
      /endpoint tcp:\/\/d:4.*missing or malformed CURVE public, secret key/,
    );
    expect(() => service({ endpoints: [{ url: "http://e:5/v1", server_key: server.publicKey }] })).toThrow(
      /server_key and client_keys are for tcp:\/\/ endpoints/,
    );
  });

  it("choose the driver per instance: launched replicas first, then remote ones", () => {
    const workload = workloadSchema.parse({
      version: 1,
      services: [
        { name: "mixed", backend: "noop", replicas: 1, endpoints: ["tcp://a:1"] },
        { name: "plain", command: ["sleep", "1"] },
      ],
    });
    const path = new RequestPath({
      workload,
      workloadDir: "/w",
      sessionDir: "/tmp/none",
      endpoints: new EndpointRegistry(),
      emit: () => {},
    });
    const [mixed, plain] = workload.services;
    expect(path.driverFor(mixed!, 0)?.remote).toBe(false);
    expect(path.driverFor(mixed!, 1)?.remote).toBe(true);
    expect(path.driverFor(plain!, 0)).toBeUndefined();
    expect(path.enabled).toBe(true);
    expect(path.serviceEnv("mixed")).toEqual({});
  });

  it("read an HTTP endpoint's server root and its llama.cpp timings", () => {
    expect(serverRoot("http://h:9000/v1")).toBe("http://h:9000");
    expect(serverRoot("http://h:9000/v1/")).toBe("http://h:9000");
    expect(serverRoot("https://h/api")).toBe("https://h/api");
    expect(timingFromRoundTrip(10, { timings: { prompt_ms: 2, predicted_ms: 5 } })).toEqual({
      communication_ms: 3,
      service_ms: 0,
      inference_ms: 7,
      total_ms: 10,
    });
    expect(timingFromRoundTrip(10, { choices: [] })).toEqual({
      communication_ms: 0,
      service_ms: 0,
      inference_ms: 10,
      total_ms: 10,
    });
  });
});
