// What both roles' wiring starts from: the validated config, the host and its plan, the rest of the
// fleet (read through stack references before anything is rendered), and the context every component gets.
import type { StackContext } from "../components/hardenedContainer.js";
import type { Fleet } from "../components/fleet.js";
import type { LoadedConfig } from "../config/load.js";
import type { HostPlan } from "../host/probe.js";
import type { ServiceArgs } from "../components/serviceComponent.js";
import type { Exposure } from "../services/exposure.js";
import { filesOf, type GeneratedFile } from "../services/files.js";
import type { ServiceName } from "../services/names.js";

export interface StackBase extends LoadedConfig {
  readonly ctx: StackContext;
  readonly hostPlan: HostPlan;
  readonly exposure: Exposure;
  readonly fleet: Fleet;
}

/**
 * What every service component takes for its service: the context, the service's image and memory
 * limit from the config, and its share of the generated files. One place, so no component gets
 * another service's image or files.
 */
export const serviceArgs =
  (base: Pick<StackBase, "ctx" | "config">, generated: readonly GeneratedFile[]) =>
  (service: ServiceName): ServiceArgs => ({ ctx: base.ctx, image: base.config.images[service], memoryMb: base.config.memoryLimitsMb[service], files: filesOf(generated, service) });
