/**
 * Bearer tokens for remote HTTP endpoints (`endpoints: [{url, token_file}]`
 * or `token_env`). Read once when the request path starts, so a missing one
 * fails the run before anything is sent; afterwards they live only in
 * memory and in the Authorization header, never in an event or a log.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { errorMessage, FlotillaError } from "../../errors.js";
import type { EndpointSpec, ServiceSpec } from "../../workload/schema.js";

/** The token to send to one remote endpoint of a service, if it has one. */
export type EndpointTokens = (service: string, url: string) => string | undefined;

export function readEndpointTokens(
  services: readonly ServiceSpec[],
  workloadDir: string,
  env: Readonly<Record<string, string | undefined>>,
): EndpointTokens {
  const tokens = new Map<string, string>();
  for (const service of services) {
    for (const endpoint of service.endpoints ?? []) {
      const token = readToken(service.name, endpoint, workloadDir, env);
      if (token !== undefined) tokens.set(key(service.name, endpoint.url), token);
    }
  }
  return (service, url) => tokens.get(key(service, url));
}

const key = (service: string, url: string) => `${service}\n${url}`;

function readToken(
  service: string,
  endpoint: EndpointSpec,
  workloadDir: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const where = `endpoint ${endpoint.url} of service ${service}`;
  let token: string | undefined;
  if (endpoint.token_env !== undefined) {
    token = env[endpoint.token_env];
    if (token === undefined) throw usage(`${where}: token_env ${endpoint.token_env} is not set`);
  } else if (endpoint.token_file !== undefined) {
    const path = resolve(workloadDir, endpoint.token_file);
    try {
      token = readFileSync(path, "utf8");
    } catch (error) {
      throw usage(`${where}: cannot read token_file ${path}: ${errorMessage(error)}`, error);
    }
  } else {
    return undefined;
  }
  // Files usually end in a newline; a header holds only visible ASCII.
  token = token.trim();
  if (!/^[!-~]+$/.test(token)) {
    throw usage(`${where}: the token from ${endpoint.token_env ?? endpoint.token_file} is empty or not one word`);
  }
  return token;
}

function usage(message: string, cause?: unknown): FlotillaError {
  return new FlotillaError("USAGE", message, cause === undefined ? {} : { cause });
}
