// The process environment where there is one (Node, Bun, Deno with --allow-env), else an empty record (browsers):
// the hub client's settings (HF_ENDPOINT, HF_TOKEN, HF_HUB_*_TIMEOUT) are read through this, never `process` itself.

export function processEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
}
