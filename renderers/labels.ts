// Docker label keys every container carries. Log shippers select and label by them.
export const LABEL_KEYS = Object.freeze({ stack: "ai-gateway.stack", service: "ai-gateway.service" });
