import { describe, expect, it } from "vitest";
import { ChannelError } from "../../../../engine/request/dispatch/channel.js";
import { failedAttempt } from "../../../../engine/request/dispatch/outcome.js";
import {
  CHANNEL_OUTCOMES,
  mayRetry,
  PROTOCOL_FAILURES,
  RETRYABLE_ERRORS,
} from "../../../../engine/request/dispatch/outcome-table.js";
import { ERROR_CODES } from "../../../../engine/request/wire/protocol.js";

const CONTEXT = { service: "llm", instance: 0, endpoint: "mem://0", canceled: false, closing: false };

describe("the outcome table", () => {
  it("reads every protocol error code", () => {
    expect(Object.keys(PROTOCOL_FAILURES).sort()).toEqual([...ERROR_CODES].sort());
  });

  it("marks on the wire the v1 set of retryable codes", () => {
    expect([...RETRYABLE_ERRORS].sort()).toEqual(["backend_unreachable", "expired", "rejected", "shutting_down"]);
  });

  it("has the dispatcher retry whatever the wire calls retryable", () => {
    for (const code of RETRYABLE_ERRORS) {
      const failure = PROTOCOL_FAILURES[code];
      expect(mayRetry(CHANNEL_OUTCOMES[failure.channel], failure.status, false), code).toBe(true);
    }
  });

  it("never retries what the request itself caused", () => {
    for (const code of ["malformed", "too_large", "wrong_service", "unsupported_version", "unknown_kind"] as const) {
      const failure = PROTOCOL_FAILURES[code];
      expect(mayRetry(CHANNEL_OUTCOMES[failure.channel], failure.status, false), code).toBe(false);
    }
  });

  it("takes an instance out only when it did not answer", () => {
    for (const outcome of Object.values(CHANNEL_OUTCOMES)) {
      if (outcome.takeOut) expect(outcome.answered).toBe(false);
    }
  });

  it("turns a channel failure into the attempt's outcome", () => {
    const timeout = failedAttempt(new ChannelError("timeout", "no reply"), CONTEXT);
    expect(timeout).toEqual({
      outcome: {
        instance: 0,
        endpoint: "mem://0",
        attempts: 0,
        status: "error",
        error_kind: "timeout",
        error: "no reply",
        retry: true,
      },
      takeOut: "no reply",
      answered: false,
    });
    const closed = failedAttempt(new ChannelError("closed", "bye"), { ...CONTEXT, closing: true });
    expect(closed.outcome).toMatchObject({ error_kind: "unavailable", error: "llm.0 went away: bye", retry: false });
    const backend = failedAttempt(new ChannelError("backend", "bad", { status: 413, body: "big" }), CONTEXT);
    expect(backend).toMatchObject({ answered: true, outcome: { http_status: 413, response: "big", retry: false } });
    expect(failedAttempt(new Error("bug"), CONTEXT).outcome).toMatchObject({ error_kind: "protocol", retry: true });
    expect(failedAttempt(new ChannelError("rejected", "full"), { ...CONTEXT, canceled: true })).toMatchObject({
      answered: true,
      outcome: { error_kind: "canceled", error: "canceled", retry: false },
    });
  });
});
