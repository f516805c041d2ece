import { FlotillaError } from "../errors.js";
import type { ServiceSpec } from "../workload/schema.js";
import { commandDriver } from "./command-driver.js";
import type { InstanceDriver } from "./driver.js";

/**
 * Chooses how a service's instances are launched and judged ready. Plain
 * `command` services use commandDriver; `backend:` services and remote
 * `endpoints` get theirs here as they are added.
 */
export function driverFor(service: ServiceSpec): InstanceDriver {
  if (service.backend === undefined && service.command !== undefined && service.endpoints === undefined) {
    return commandDriver;
  }
  throw new FlotillaError(
    "WORKLOAD_INVALID",
    `service ${service.name}: ${service.backend ? `backend: ${service.backend}` : "endpoints"} is not supported by this build`,
    { context: { service: service.name } },
  );
}
