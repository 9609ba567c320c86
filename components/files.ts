// Generated files as the docker provider uploads them into a container.
import type { GeneratedFile } from "../services/files.js";

export const asUploads = (files: readonly GeneratedFile[]) => files.map((f) => ({ file: f.containerPath, content: f.content }));
