// listen: serves an app (anything with a fetch handler: the Hono app) on a host/port under whichever runtime runs
// this code: Bun.serve under Bun, Deno.serve under Deno, node:http (through @hono/node-server, loaded only there)
// under Node. Port 0 picks a free one; the URL says which. A port in use or an address this machine lacks is a
// ListenError naming host, port and the fix. Nothing here runs at import time (no `Bun` global needed to load it).
import { SaeError } from "@sae/tensor-core";

/** The server could not bind its address (port in use, address not on this machine, no permission). */
export class ListenError extends SaeError {}

export interface Listening {
  url: string;
  port: number;
  /** "bun", "deno" or "node": the listener that serves. */
  runtime: Runtime;
  stop(): Promise<void>;
}

export type Runtime = "bun" | "deno" | "node";
type FetchHandler = (req: Request) => Response | Promise<Response>;

const WHY: Record<string, string> = {
  EADDRINUSE: "the port is in use (stop the other server or pick another --port; --port 0 picks a free one)",
  EADDRNOTAVAIL: "the address is not on this machine (see --host)",
  EACCES: "permission denied (ports below 1024 need privileges; pick another --port)",
};
// Deno's error classes for the same cases
const DENO_CODE: Record<string, string> = {
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  PermissionDenied: "EACCES",
};

const g = globalThis as unknown as { Bun?: BunLike; Deno?: DenoLike };

export function currentRuntime(): Runtime {
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}

function listenError(e: unknown, hostname: string, port: number): ListenError {
  const err = e as { code?: string; name?: string; message?: string };
  const code = err.code ?? DENO_CODE[err.name ?? ""] ?? "";
  const why = WHY[code] ?? err.message ?? String(e);
  return new ListenError(`cannot listen on ${hostname}:${port}: ${why}${code ? ` (${code})` : ""}`);
}

const urlOf = (host: string, port: number): string => `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

export async function listen(
  app: { fetch: FetchHandler },
  opts: { port: number; hostname?: string },
): Promise<Listening> {
  const hostname = opts.hostname ?? "127.0.0.1";
  const fetch = (req: Request) => app.fetch(req);
  const runtime = currentRuntime();
  try {
    if (runtime === "bun") {
      const server = g.Bun!.serve({ fetch, port: opts.port, hostname, idleTimeout: 120 });
      const url = urlOf(server.hostname ?? hostname, server.port);
      return { url, port: server.port, runtime, stop: () => server.stop(true) };
    }
    if (runtime === "deno") {
      const server = g.Deno!.serve({ port: opts.port, hostname, onListen: () => {} }, fetch);
      const port = server.addr.port;
      return { url: urlOf(hostname, port), port, runtime, stop: () => server.shutdown() };
    }
    return await listenNode(fetch, hostname, opts.port);
  } catch (e) {
    throw listenError(e, hostname, opts.port);
  }
}

async function listenNode(fetch: FetchHandler, hostname: string, port: number): Promise<Listening> {
  const { serve } = await import("@hono/node-server");
  let server!: ReturnType<typeof serve>;
  const bound = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch, port, hostname }, (info) => resolve(info.port));
    server.once("error", reject);
  });
  const stop = () =>
    new Promise<void>((done) => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => done());
    });
  return { url: urlOf(hostname, bound), port: bound, runtime: "node", stop };
}

// The slices of Bun's and Deno's server APIs used here (no @types/bun or Deno types needed to build this file).
interface BunLike {
  serve(o: { fetch: FetchHandler; port: number; hostname: string; idleTimeout: number }): {
    hostname?: string;
    port: number;
    stop(closeActive: boolean): Promise<void>;
  };
}
interface DenoLike {
  serve(
    o: { port: number; hostname: string; onListen: () => void },
    handler: FetchHandler,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}
