// A loopback static file server for the browser tests: serves a fixed map of URL paths to files on disk or bytes
// (HTML, the bundle, checkpoints), answers 404 for anything else, and resolves `report` with the JSON body of the
// first POST /report the page sends.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const TYPES: Record<string, string> = { html: "text/html", js: "text/javascript", json: "application/json" };

export interface StaticServer {
  url: string;
  report: Promise<unknown>;
  /** Every path the browser asked for, in order (prefixed by the method unless it is a GET: "HEAD /x"). */
  requests: string[];
  stop(): Promise<void>;
}

/** A route's answer: bytes/text, and headers beside the content type (e.g. the hub's ETag). */
export interface Served {
  body: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

/** routes: URL path -> a file path (string) or what to serve. */
export function serveStatic(routes: Record<string, string | Served>): StaticServer {
  let resolve!: (v: unknown) => void;
  const report = new Promise<unknown>((r) => {
    resolve = r;
  });
  const requests: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      requests.push(req.method === "GET" ? path : `${req.method} ${path}`);
      if (req.method === "POST" && path === "/report") {
        resolve(await req.json());
        return new Response("ok");
      }
      const route = routes[path];
      if (route === undefined) return new Response("not found", { status: 404 });
      const body = typeof route === "string" ? readFileSync(route) : route.body;
      const type = path.endsWith("/") ? TYPES.html : (TYPES[path.split(".").pop() ?? ""] ?? "application/octet-stream");
      const extra = typeof route === "string" ? {} : route.headers;
      return new Response(body, { headers: { "content-type": type, ...extra } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, report, requests, stop: () => server.stop(true) };
}

/** Routes for files of one folder: URL path prefix + name -> dir/name. */
export function files(prefix: string, dir: string, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((f) => [prefix + f, join(dir, f)]));
}
