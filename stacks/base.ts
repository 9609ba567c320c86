// What both roles' wiring starts from: the validated config, the host and its plan, the rest of the
// fleet (read through stack references before anything is rendered), and the context every component gets.
import type { StackContext } from "../components/hardenedContainer.js";
import type { Fleet } from "../components/fleet.js";
import type { LoadedConfig } from "../config/load.js";
import type { HostPlan } from "../host/probe.js";
import type { Exposure } from "../services/exposure.js";

export interface StackBase extends LoadedConfig {
  readonly ctx: StackContext;
  readonly hostPlan: HostPlan;
  readonly exposure: Exposure;
  readonly fleet: Fleet;
}
