// The base of every component that runs one service's container. It starts the container through
// hardenedContainer and exposes what it made, as awsx's Vpc exposes its vpc and subnets: the
// container, its name, the data folder and the generated files it mounts.
import type * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { GeneratedFile } from "../services/files.js";
import { asConfigFiles } from "./files.js";
import { hardenedContainer, type ContainerSpec, type HardenedContainer, type StackContext } from "./hardenedContainer.js";

/** What the wiring gives every service component. */
export interface ServiceArgs {
  readonly ctx: StackContext;
  /** The pinned image, or the stack's override. */
  readonly image: string;
  readonly memoryMb: number;
  /** The service's share of the stack's generated files (services/files.ts); empty when it has none. */
  readonly files: readonly GeneratedFile[];
}

export abstract class ServiceComponent extends pulumi.ComponentResource {
  readonly files: readonly GeneratedFile[];
  #made: HardenedContainer | undefined;

  protected constructor(type: string, name: string, files: readonly GeneratedFile[], opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.files = files;
  }

  /**
   * Runs the service's container. Its generated files are its config files unless the spec brings its
   * own (a component that adds secret files to them).
   */
  protected start(args: ServiceArgs, spec: Omit<ContainerSpec, "image" | "memoryMb">, dependsOn?: pulumi.Input<pulumi.Resource>[]): HardenedContainer {
    const configFiles = spec.configFiles ?? (this.files.length ? asConfigFiles(this.files) : undefined);
    this.#made = hardenedContainer(
      args.ctx,
      { ...spec, image: args.image, memoryMb: args.memoryMb, ...(configFiles ? { configFiles } : {}) },
      { parent: this, ...(dependsOn ? { dependsOn } : {}) },
    );
    return this.#made;
  }

  #started(): HardenedContainer {
    if (!this.#made) throw new Error(`${this.constructor.name} has not started its container`);
    return this.#made;
  }

  get container(): docker.Container {
    return this.#started().container;
  }

  /** The Docker container name: what `docker logs` and `docker exec` take. */
  get containerName(): string {
    return this.#started().name;
  }

  /** The host folder mounted as the service's data folder; undefined for a stateless service. */
  get dataFolder(): string | undefined {
    return this.#started().dataFolder;
  }
}
