// listen: serves a Hono app with Bun.serve on a host/port (port 0 picks a free one) and reports the URL.
import type { Hono } from "hono";

export interface Listening {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function listen(app: Hono, opts: { port: number; hostname?: string }): Listening {
  const server = Bun.serve({ fetch: app.fetch, port: opts.port, hostname: opts.hostname ?? "127.0.0.1", idleTimeout: 120 });
  const host = server.hostname?.includes(":") ? `[${server.hostname}]` : server.hostname;
  return { url: `http://${host}:${server.port}`, port: server.port ?? 0, stop: () => server.stop(true) };
}
