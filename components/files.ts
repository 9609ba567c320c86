// Generated files as a container's config files (host/configFiles.ts): readable by every user, as
// the services run as different ones; secret files are added by their components, 0400.
import * as pulumi from "@pulumi/pulumi";
import type { ConfigFile } from "../host/configFiles.js";
import type { GeneratedFile } from "../services/files.js";

export const asConfigFiles = (files: readonly GeneratedFile[]): ConfigFile[] => files.map((f) => ({ file: f.containerPath, content: f.content, permissions: "0444" }));

/** A secret file that only the service's user can read. */
export const secretConfigFile = (file: string, owner: { readonly uid: number; readonly gid: number }, content: pulumi.Output<string>): pulumi.Output<ConfigFile> =>
  content.apply((c) => ({ file, content: c, owner: `${owner.uid}:${owner.gid}`, permissions: "0400" }));

/** A service's generated files and its secret files, as one list kept secret in state and previews. */
export const withSecretFiles = (files: readonly GeneratedFile[], secrets: readonly pulumi.Output<ConfigFile>[]) => pulumi.secret(pulumi.all([...asConfigFiles(files), ...secrets]));
