import { FlotillaError } from "../errors.js";
import { isRemoteInstance } from "../workload/expand.js";
import type { ServiceSpec } from "../workload/schema.js";
import { commandDriver } from "./command-driver.js";
import type { InstanceDriver } from "./driver.js";

/** The drivers the request path brings (request/drivers/). */
export interface ServiceDrivers {
  /** Instances fronted by a service host (`backend:`). */
  host: InstanceDriver;
  /** Remote instances (`endpoints:`), already running elsewhere. */
  remote: InstanceDriver;
}

/**
 * The one place that chooses how instance `instance` of `service` is
 * launched and judged ready: a remote endpoint, a service host for a
 * `backend:`, or the plain command. Without the request path's drivers only
 * plain commands can run.
 */
export function chooseDriver(service: ServiceSpec, instance: number, drivers?: ServiceDrivers): InstanceDriver {
  const remote = isRemoteInstance(service, instance);
  if (!remote && service.backend === undefined) return commandDriver;
  const driver = remote ? drivers?.remote : drivers?.host;
  if (driver !== undefined) return driver;
  throw new FlotillaError(
    "WORKLOAD_INVALID",
    `service ${service.name}: ${service.backend && !remote ? `backend: ${service.backend}` : "endpoints"} is not supported by this build`,
    { context: { service: service.name } },
  );
}
