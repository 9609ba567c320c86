// Wiring only: validated config in, the rest of the fleet read, the role's components out, and its
// stack outputs exported (one object: a worker's differ from a gateway's).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { readFleet } from "./components/fleet.js";
import type { StackContext } from "./components/hardenedContainer.js";
import { probeHost, sshHostTarget } from "./components/host.js";
import { loadStackConfig } from "./config/load.js";
import { dockerProviderArgs } from "./host/ssh.js";
import { cpuLimitsForHost, planForHost } from "./host/probe.js";
import { planExposure } from "./services/exposure.js";
import { fleetExposure } from "./services/files.js";
import { gatewayStack } from "./stacks/gateway.js";
import { workerStack } from "./stacks/worker.js";

const loaded = loadStackConfig();
const { config, ssh } = loaded;

// A remote GPU host: Docker over SSH and every host command over the same SSH connection.
const provider = ssh ? new docker.Provider("docker", dockerProviderArgs(ssh)) : undefined;
const host = ssh ? sshHostTarget(ssh) : ({ kind: "local" } as const);
// The rest of the fleet, read and checked before anything is created: a gateway's workers, a worker's gateway.
const fleet = await readFleet(config);
const network = new docker.Network("network", { name: `ai-gateway-${config.stack}`, driver: "bridge" }, provider ? { provider } : {});
// What this host can give the containers, read on every preview and up; what it lacks is reported, not fatal.
const hostPlan = planForHost(await probeHost(host));
// Who reaches what: only the entry point publishes on bindAddress (services/exposure.ts).
const exposure = planExposure(config, fleetExposure(config, fleet.view));
// Names the containers' config folders without letting the name reveal anything of their secrets.
const configKey = pulumi.secret(new random.RandomPassword("config-digest-key", { length: 32, special: false }).result);
const ctx: StackContext = {
  stack: config.stack,
  host,
  exposure,
  dataRoot: config.dataRoot,
  network,
  swapLimited: hostPlan.swapLimited,
  cpuLimits: cpuLimitsForHost(config.cpuLimits, hostPlan.cores),
  configKey,
  ...(provider ? { provider } : {}),
};

const base = { ...loaded, ctx, hostPlan, exposure, fleet };
export default config.role === "gpu-worker" ? workerStack(base) : gatewayStack(base);
