// How a stack's containers are named and labelled. Log shippers select by the labels; the tools find
// containers by name. Kept free of Pulumi imports so the CLIs load fast.
import type { ServiceName } from "../config/images.js";

export const LABEL_KEYS = Object.freeze({ stack: "ai-gateway.stack", service: "ai-gateway.service" });

export const containerName = (stack: string, service: ServiceName) => `ai-gateway-${stack}-${service}`;
