// Reads the rest of the fleet through stack references (services/fleet.ts has the contract): a
// gateway reads each of its workers, a worker its gateway. The plain announcements are awaited
// before anything is rendered, so the generated files, and the container versions named after them,
// stay plain values; the credentials stay Pulumi secrets. What another stack published is checked
// here, at preview and at up, and refused in the same terms as a config error.
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema.js";
import { stackOfRef } from "../config/validateFleet.js";
import { ConfigError } from "../config/validation.js";
import { checkWorkers, FLEET, isProblem, readGateway, readWorker, type FleetProblem, type FleetWorker, type GatewayAnnouncement } from "../services/fleet.js";
import type { FleetView } from "../services/files.js";

/** A worker's credentials, as the gateway holds them: Pulumi secrets. */
export interface WorkerSecrets {
  /** Its entry point's basic-auth password, which the gateway's relay sends. */
  readonly password: pulumi.Output<string>;
  /** The bcrypt hash of its log-push password, which the gateway's entry point checks. */
  readonly logPushHash: pulumi.Output<string>;
}

export interface Fleet {
  readonly view: FleetView;
  /** In the order of view.workers. */
  readonly workerSecrets: readonly WorkerSecrets[];
}

/** The value of a stack output, or the problem reading it (an unknown stack, one this backend cannot reach). */
async function readOutput(ref: pulumi.StackReference, refName: string, key: string, output: string): Promise<unknown> {
  try {
    const details = await ref.getOutputDetails(output);
    return details.value ?? details.secretValue;
  } catch (e) {
    throw new ConfigError([
      {
        key,
        problem: `stack ${JSON.stringify(refName)} could not be read (${e instanceof Error ? e.message : String(e)})`,
        fix: "check the name with `pulumi stack ls` (a service backend may need <org>/ai-gateway/<stack>), and that you may read it",
      },
    ]);
  }
}

const refuse = (problems: readonly FleetProblem[]) => {
  if (problems.length > 0) throw new ConfigError(problems);
};

/**
 * A gateway's workers. A listed stack that has published nothing at all (not deployed yet) is left
 * out of this update with a warning, so a new worker can be listed before its first `up`, and a
 * gateway and its workers can be deployed in either order; the next `up` of the gateway takes it in.
 */
async function readWorkers(config: StackConfig): Promise<Fleet> {
  const read = await Promise.all(
    config.workers.map(async (refName, i) => {
      const ref = new pulumi.StackReference(`worker-${stackOfRef(refName)}`, { name: refName });
      const key = `workers[${i}]`;
      const announced = await readOutput(ref, refName, key, FLEET.workerOutput);
      if (announced === undefined && (await readOutput(ref, refName, key, "role")) === undefined) {
        pulumi.log.warn(`${key}: stack ${refName} has published nothing yet (it has not been deployed): it is left out of this update. Run \`pulumi up\` on ${refName}, then on this stack again.`);
        return undefined;
      }
      return { ref, worker: readWorker(key, refName, announced) };
    }),
  );
  const listed = read.filter((r): r is NonNullable<typeof r> => r !== undefined);
  refuse(listed.map((r) => r.worker).filter(isProblem));
  const workers = listed.map((r) => r.worker as FleetWorker);
  refuse(checkWorkers(config, workers));
  return {
    view: { workers },
    workerSecrets: listed.map(({ ref }) => ({
      password: pulumi.secret(ref.requireOutput(FLEET.workerPasswordOutput) as pulumi.Output<string>),
      logPushHash: pulumi.secret(ref.requireOutput(FLEET.logPushHashOutput) as pulumi.Output<string>),
    })),
  };
}

async function readGatewayOf(config: StackConfig): Promise<Fleet> {
  const refName = config.gatewayStack!;
  const ref = new pulumi.StackReference("gateway-stack", { name: refName });
  const gateway = readGateway(refName, await readOutput(ref, refName, "gatewayStack", FLEET.gatewayOutput));
  if (isProblem(gateway)) refuse([gateway]);
  return { view: { gateway: gateway as GatewayAnnouncement }, workerSecrets: [] };
}

/** The rest of the fleet, as this stack's role needs it; throws pulumi.RunError on a problem. */
export async function readFleet(config: StackConfig): Promise<Fleet> {
  try {
    if (config.role === "gpu-worker") return await readGatewayOf(config);
    if (config.workers.length > 0) return await readWorkers(config);
    return { view: {}, workerSecrets: [] };
  } catch (e) {
    if (e instanceof ConfigError) throw new pulumi.RunError(e.message.replace("Stack configuration is invalid", "The fleet's stacks do not fit this one"));
    throw e;
  }
}
