// The shape of a service's facts: what the image is and how it runs, kept free of Pulumi so the
// components, the tools and the tests all read the same values.

export interface Healthcheck {
  /** Exec form only: several images (Loki, distroless) have no /bin/sh for CMD-SHELL. */
  readonly tests: readonly ["CMD", ...string[]];
  // Go duration strings ("30s", "1m0s"): the provider reads them back in that form, so anything else diffs forever.
  readonly interval: string;
  readonly timeout: string;
  readonly startPeriod: string;
  readonly retries: number;
}

export interface ServiceFacts {
  /** The pinned image (config/images.ts checks it; a stack may override it with images.<service>). */
  readonly image: string;
  /** The port other containers reach it on, by its service name on the stack network. */
  readonly port?: number;
  /** Whether that port is also published on bindAddress for users and tools. */
  readonly published: boolean;
  /** The user the image runs as: its data folder is created with this owner. */
  readonly uid: number;
  readonly gid: number;
  /** Where its data folder `<dataRoot>/<service>` is mounted; none for a stateless service. */
  readonly dataPath?: string;
  /**
   * The folders its config files (generated and secret) go into. Each is a host folder mounted
   * read-only (host/configFiles.ts): the service cannot change its config, and Docker would refuse
   * to copy files into a read-only root anyway. Every config file must be inside one.
   */
  readonly configFolders?: readonly string[];
  readonly healthcheck: Healthcheck;
  /** How long `pulumi up` waits for the first healthy probe. */
  readonly waitTimeoutSeconds: number;
  /** What the container may do beyond the least privilege every container gets. */
  readonly confinement: Confinement;
}

/** A capability given back after `drops: ["ALL"]`, and why the image cannot do without it. */
export interface CapabilityAdd {
  /** With its CAP_ prefix: Docker stores it that way, and the provider would see any other spelling as a change. */
  readonly cap: `CAP_${string}`;
  readonly why: string;
}

/**
 * Least privilege, per image. Every container drops all capabilities, runs as `uid:gid`, with a
 * process limit and a CPU limit; the exceptions an image needs are written here with their reasons,
 * and `npm run docs:tables` lists them in docs/security.md.
 */
export interface Confinement {
  /** Capabilities given back; empty for most images. */
  readonly capAdds: readonly CapabilityAdd[];
  /** Why the service runs as root (uid 0); required exactly when it does. */
  readonly rootWhy?: string;
  /**
   * The root filesystem: read-only, with a tmpfs for each path the service writes outside its data
   * folder; or writable, with the reason.
   */
  readonly rootFs: { readonly readOnly: true; readonly tmpfs: readonly string[] } | { readonly readOnly: false; readonly why: string };
  /** The most processes and threads the container may run at once (its pids cgroup). */
  readonly pidsLimit: number;
  /** What of the host it reaches beyond its own folders (host mounts, devices, namespaces), and why. */
  readonly hostAccess?: string;
  /**
   * Owners (`uid:gid`) this service's data folder had in earlier releases of this program. A folder
   * found with one of them holds this service's own data, so it is handed to the new owner instead
   * of being refused as someone else's.
   */
  readonly formerOwners?: readonly string[];
}

/** The exec-form probe for images that have bash but neither curl nor wget; bash builtins only. */
export function bashHttpProbe(port: number, path: string): Healthcheck["tests"] {
  // `\\r\\n` reaches bash's printf as the escape sequence \r\n.
  return [
    "CMD",
    "bash",
    "-c",
    `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && IFS= read -r l <&3 && [[ $l == *' 200 '* ]]`,
  ];
}
