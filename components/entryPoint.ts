// The entry point: Caddy in front of LiteLLM. It owns the gateway's published port, so the LiteLLM
// container behind it can be replaced (new one first, old one last) without dropping requests.
import type * as pulumi from "@pulumi/pulumi";
import { ServiceComponent, type ServiceArgs } from "./serviceComponent.js";

export class EntryPoint extends ServiceComponent {
  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ai-gateway:net:EntryPoint", name, args.files, opts);
    this.start(args, { service: "caddy" });
    this.registerOutputs({});
  }
}
