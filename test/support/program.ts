// Runs the whole Pulumi program under mocks and records what it registered: type, name, inputs
// (with secrets still wrapped, as the engine would receive them) and resource options.
import * as pulumi from "@pulumi/pulumi";
import { createRequire } from "node:module";
import { beforeAll, vi } from "vitest";
import { PROJECT } from "../../config/validate.js";

const require = createRequire(import.meta.url);
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
  isRpcSecret(v: unknown): boolean;
  unwrapRpcSecret(v: unknown): unknown;
};
const mocksModule = require("@pulumi/pulumi/runtime/mocks") as {
  MockMonitor: { prototype: { registerResource(req: unknown, cb: unknown): unknown } };
};

export interface Registered {
  readonly type: string;
  readonly name: string;
  /** As sent to the engine: secret values are still wrapped. */
  readonly rawInputs: Record<string, unknown>;
  /** The same with every secret unwrapped, for asserting on values. */
  readonly inputs: Record<string, any>;
  /** "<provider URN>::<id>" for an explicit provider, "" for the default one. */
  readonly provider: string;
  readonly options: {
    readonly parent: string;
    readonly dependencies: readonly string[];
    readonly replaceOnChanges: readonly string[];
    readonly deleteBeforeReplace: boolean;
  };
}

export interface ProgramRun {
  readonly resources: Registered[];
  readonly invokes: Invoked[];
  readonly outputs: Record<string, unknown>;
  byType(type: string): Registered[];
  one(type: string, name: string): Registered;
  /** The one container of a service, found by its `ai-gateway.service` label (LiteLLM's name carries a version). */
  container(service: string): Registered;
  /** A container's config files, read back from the host command that writes them (host/configFiles.ts). */
  configFiles(container: Registered): ConfigFileSeen[];
}

export interface ConfigFileSeen {
  readonly file: string;
  readonly content: string;
  readonly permissions: string;
  readonly owner: string;
  /** Whether the bundle they travel in is a Pulumi secret. */
  readonly secret: boolean;
}

/** Decodes the bundle host/configFiles.ts sends on standard input. */
export function decodeConfigBundle(bundle: string, secret: boolean): ConfigFileSeen[] {
  const lines = bundle.split("\n");
  const out: ConfigFileSeen[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [permissions, owner, file] = lines[i]!.split(" ");
    out.push({ file: file!, permissions: permissions!, owner: owner!, content: Buffer.from(lines[i + 1]!, "base64").toString("utf8"), secret });
  }
  return out;
}

export const isSecretInput = (v: unknown) => rpc.isRpcSecret(v);

function unwrapDeep(v: unknown): any {
  if (rpc.isRpcSecret(v)) return unwrapDeep(rpc.unwrapRpcSecret(v));
  if (Array.isArray(v)) return v.map(unwrapDeep);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapDeep(x)]));
  return v;
}

const promiseOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => (resolve(v), v)));

export interface ProgramConfig {
  readonly stack?: string;
  /** Bare keys, values as the engine passes them (structured values as JSON text). */
  readonly values: Record<string, string>;
  readonly secretKeys?: Iterable<string>;
  /** What the host probe prints (renderers/hostProbe.ts); a fully equipped host by default. */
  readonly hostProbe?: string;
  /**
   * Other stacks' outputs, by the name a StackReference is given: what `pulumi.StackReference` reads.
   * A name not listed cannot be read, as an unknown stack cannot.
   */
  readonly stacks?: Readonly<Record<string, MockedStack>>;
}

export interface MockedStack {
  readonly outputs: Record<string, unknown>;
  /** The outputs stored as secrets. */
  readonly secretOutputNames?: readonly string[];
}

/** Recorded on a systemd host with Docker's default data root. */
export const EQUIPPED_HOST_PROBE = "dockerRoot=/var/lib/docker\nswapLimit=true\ncores=8\nstorageDriver=overlay2\nsocketGroup=999\nexists=/dev/disk\nexists=/dev/kmsg\nrootPropagation=shared\n";

export interface Invoked {
  readonly token: string;
  readonly inputs: Record<string, any>;
}

let originalRegister: ((req: unknown, cb: unknown) => unknown) | undefined;

export async function runProgram(cfg: ProgramConfig): Promise<ProgramRun> {
  const stack = cfg.stack ?? "dev";
  const resources: Registered[] = [];
  const invokes: Invoked[] = [];
  const options = new Map<string, Registered["options"]>();

  originalRegister ??= mocksModule.MockMonitor.prototype.registerResource;
  const original = originalRegister;
  mocksModule.MockMonitor.prototype.registerResource = function (req: any, cb: unknown) {
    options.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
    });
    return original.call(this, req, cb);
  };

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const entry = {
          type: args.type,
          name: args.name,
          rawInputs: args.inputs,
          inputs: unwrapDeep(args.inputs),
          provider: args.provider ?? "",
        } as Omit<Registered, "options">;
        resources.push(entry as Registered);
        if (args.type === "pulumi:pulumi:StackReference") {
          const name = String(args.inputs["name"]);
          const other = cfg.stacks?.[name];
          if (!other) throw new Error(`unknown stack "${name}"`);
          return { id: name, state: { name, outputs: other.outputs, secretOutputNames: [...(other.secretOutputNames ?? [])] } };
        }
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/remoteImage:RemoteImage") state["imageId"] = `sha256:${"0".repeat(64)}`;
        // One value per password, so a test can tell which one reached where.
        if (args.type === "random:index/randomPassword:RandomPassword") {
          state["result"] = `mocked${args.name.replace(/[^A-Za-z0-9]/g, "")}0123456789`;
          state["bcryptHash"] = `$2a$10$mockedhashof${args.name.replace(/[^A-Za-z0-9]/g, "")}`;
        }
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: args.inputs });
        if (args.token === "command:local:run") return { ...args.inputs, stdout: cfg.hostProbe ?? EQUIPPED_HOST_PROBE, stderr: "" };
        return args.inputs;
      },
    },
    PROJECT,
    stack,
    false,
  );
  const full: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg.values)) full[`${PROJECT}:${k}`] = v;
  pulumi.runtime.setAllConfig(full, [...(cfg.secretKeys ?? [])].map((k) => `${PROJECT}:${k}`));

  vi.resetModules();
  try {
    const mod = (await import("../../index.js")) as Record<string, unknown>;
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    for (const r of resources) (r as { options: Registered["options"] }).options = options.get(`${r.type}::${r.name}`)!;
    return {
      resources,
      invokes,
      // The program exports one object, its stack outputs.
      outputs: (mod["default"] ?? mod) as Record<string, unknown>,
      byType: (type) => resources.filter((r) => r.type === type),
      container: (service) => {
        const found = resources.filter((r) => r.type === "docker:index/container:Container" && serviceOf(r) === service);
        if (found.length !== 1) throw new Error(`expected one ${service} container, found ${found.length}`);
        return found[0]!;
      },
      configFiles: (container) => {
        const found = resources.filter((r) => r.type.startsWith("command:") && r.name === `${container.name}-config`);
        if (found.length !== 1) throw new Error(`expected one config command for ${container.name}, found ${found.length}`);
        return decodeConfigBundle(found[0]!.inputs.stdin as string, isSecretInput(found[0]!.rawInputs["stdin"]));
      },
      one: (type, name) => {
        const found = resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
        return found[0]!;
      },
    };
  } finally {
    mocksModule.MockMonitor.prototype.registerResource = original;
  }
}

export { promiseOf };

/** A container's service, from its `ai-gateway.service` label. */
export function serviceOf(r: Registered): string | undefined {
  return (r.inputs.labels as { label: string; value: string }[] | undefined)?.find((l) => l.label === "ai-gateway.service")?.value;
}

/**
 * Evaluates the program once, before the tests of the enclosing describe block, and hands every
 * test the same run: one evaluation (about half a second) serves all tests that read the same stack.
 */
export function evaluateOnce(cfg: ProgramConfig): () => ProgramRun {
  let run: ProgramRun | undefined;
  beforeAll(async () => {
    run = await runProgram(cfg);
  });
  return () => run!;
}
