// A loopback HTTP server for tests, on node:http so the same test runs under Bun, Node and Deno (Bun.serve is
// Bun-only): port 0 on 127.0.0.1, a fetch-style handler (Request in, Response out), a log of every request as
// "METHOD /decoded/path", close. Test-only (@sae/hub/testing); not a server for anything else.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export type LoopbackHandler = (req: Request) => Response | Promise<Response>;

export interface Loopback {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  port: number;
  /** "GET /org/repo/resolve/main/cfg.json", one per request in arrival order (paths URI-decoded). */
  requests: string[];
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

/** Starts `handle` on a free loopback port. A handler that throws answers 500 with the error's text. */
export async function serveLoopback(handle: LoopbackHandler): Promise<Loopback> {
  const requests: string[] = [];
  let url = "";
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    for await (const c of req) chunks.push(c as Uint8Array<ArrayBuffer>);
    const target = new URL(req.url ?? "/", url);
    const method = req.method ?? "GET";
    requests.push(`${method} ${decodeURIComponent(target.pathname)}`);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, [v].flat().join(", "));
    const body = chunks.length && method !== "GET" && method !== "HEAD" ? new Blob(chunks) : undefined;
    let r: Response;
    try {
      r = await handle(new Request(target, { method, headers, body }));
    } catch (e) {
      r = new Response(String(e), { status: 500 });
    }
    const out = method === "HEAD" || r.body === null ? undefined : new Uint8Array(await r.arrayBuffer());
    const head: Record<string, string> = {};
    r.headers.forEach((v, k) => (head[k] = v));
    if (out && !r.headers.has("content-length")) head["content-length"] = String(out.length);
    res.writeHead(r.status, head);
    res.end(out);
  };
  const server = createServer((req, res) => {
    answer(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  url = `http://127.0.0.1:${port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  return { url, port, requests, close };
}
