// Generated files as a container's config files (host/configFiles.ts): readable by every user, as
// the services run as different ones; secret files are added by their components, 0400.
import type { ConfigFile } from "../host/configFiles.js";
import type { GeneratedFile } from "../services/files.js";

export const asConfigFiles = (files: readonly GeneratedFile[]): ConfigFile[] => files.map((f) => ({ file: f.containerPath, content: f.content, permissions: "0444" }));
