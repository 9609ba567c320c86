// The Docker socket proxy (services/dockerProxy.ts): the one container that mounts the Docker socket.
// The log shipper and cAdvisor reach the Docker API through it, read-only and only the calls they make.
import type * as pulumi from "@pulumi/pulumi";
import { DOCKER_PROXY_URL, DOCKER_SOCKET, dockerProxyCommand } from "../services/dockerProxy.js";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export interface DockerProxyArgs extends ServiceArgs {
  /** The services allowed to call it (their names on the stack network). */
  readonly clients: readonly string[];
  /** The group that owns the socket on the host, which the proxy joins to read it; unknown when Docker did not answer. */
  readonly socketGroup?: number;
}

export class DockerProxy extends ServiceComponent {
  /** What a client gives as its Docker host. */
  readonly url = DOCKER_PROXY_URL;

  constructor(name: string, args: DockerProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:observability:DockerProxy", name, args.files, opts);
    this.start(args, {
      service: "docker-proxy",
      command: dockerProxyCommand(args.clients),
      // Read-only changes nothing for a socket (connecting is not writing to the filesystem), but says what is meant.
      mounts: [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET, readOnly: true }],
      ...(args.socketGroup !== undefined ? { groupAdds: [String(args.socketGroup)] } : {}),
    });
    this.registerOutputs({});
  }
}
