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
  readonly healthcheck: Healthcheck;
  /** How long `pulumi up` waits for the first healthy probe. */
  readonly waitTimeoutSeconds: number;
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
