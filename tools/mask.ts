// Keeping secrets out of anything a tool prints or writes: evidence files end up in PR descriptions.

// LiteLLM master keys and OpenAI keys both start with sk-; keep a short prefix and the last four.
const SECRET_SHAPE = /sk-[A-Za-z0-9_-]{8,}/g;

/** Masks every `sk-…` string and every given secret value. */
export function mask(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("<masked>");
  return out.replace(SECRET_SHAPE, (m) => `sk-…${m.slice(-4)}`);
}

/** `set (sk-…abcd)` or `missing`: proof that a key is there without printing it. */
export function describeKey(value: string | undefined): string {
  const v = value?.trim();
  if (!v) return "missing";
  return `set (${v.startsWith("sk-") ? "sk-" : ""}…${v.slice(-4)})`;
}
