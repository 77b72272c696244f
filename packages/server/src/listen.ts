// listen: serves a Hono app with Bun.serve on a host/port (port 0 picks a free one) and reports the URL.
// A port in use or an address this machine lacks is a ListenError naming host, port and the fix.
import { SaeError } from "@sae/tensor-core";
import type { Hono } from "hono";

/** The server could not bind its address (port in use, address not on this machine, no permission). */
export class ListenError extends SaeError {}

export interface Listening {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const WHY: Record<string, string> = {
  EADDRINUSE: "the port is in use (stop the other server or pick another --port; --port 0 picks a free one)",
  EADDRNOTAVAIL: "the address is not on this machine (see --host)",
  EACCES: "permission denied (ports below 1024 need privileges; pick another --port)",
};

export function listen(app: Hono, opts: { port: number; hostname?: string }): Listening {
  const hostname = opts.hostname ?? "127.0.0.1";
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({ fetch: app.fetch, port: opts.port, hostname, idleTimeout: 120 });
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    const why = WHY[code] ?? (e as Error).message;
    throw new ListenError(`cannot listen on ${hostname}:${opts.port}: ${why}${code ? ` (${code})` : ""}`);
  }
  const host = server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname;
  return { url: `http://${host}:${server.port}`, port: server.port ?? 0, stop: () => server.stop(true) };
}
