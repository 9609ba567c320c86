// A generated file: where `npm run render` writes it and where the container reads it.
import type { ServiceName } from "../config/images.js";

export interface GeneratedFile {
  /** The container that reads it. */
  readonly service: ServiceName;
  /** Relative path in a render folder, e.g. "prometheus/prometheus.yml". */
  readonly path: string;
  /** Absolute path inside the service's container. */
  readonly containerPath: string;
  readonly content: string;
}

export const asUploads = (files: readonly GeneratedFile[]) => files.map((f) => ({ file: f.containerPath, content: f.content }));
