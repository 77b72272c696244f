// Test helper (not exported): a loopback Hugging Face hub serving dataset repos from fixtures/datasets/<name> as
// org/<name>: GET /api/datasets/<id>/tree/<rev>?recursive=true (paged two entries at a time with Link: rel="next",
// as the hub pages long listings), HEAD/GET /datasets/<id>/resolve/<rev>/<file> with X-Repo-Commit and an LFS
// ETag (sha256), Range for resumes. Faults: `truncate` serves a file cut short (with a matching checksum, as a repo
// holding a broken upload would), `stall` answers a file's headers and then never sends its body.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "@sae/hub/node";

export const FIXTURES = fileURLToPath(new URL("../../../fixtures/datasets/", import.meta.url));
export const COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

export interface LoopbackHub {
  endpoint: string;
  /** Paths requested, in order ("GET /datasets/org/x/resolve/main/a.parquet"). */
  seen: string[];
  /** Files (repo-relative, e.g. "org/stories-text/data/x.parquet") served cut to this many bytes. */
  truncate: Map<string, number>;
  /** Files whose body never comes. */
  stall: Set<string>;
  /** Extra files per repo id (name -> bytes), beside the fixtures. */
  extra: Map<string, Map<string, Uint8Array>>;
  close(): Promise<void>;
}

function repoFiles(id: string, hub: LoopbackHub): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const dir = join(FIXTURES, id.replace(/^org\//, ""));
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), new Uint8Array(readFileSync(p)));
    }
  };
  try {
    walk(dir);
  } catch {}
  for (const [k, v] of hub.extra.get(id) ?? []) files.set(k, v);
  return files;
}

export async function startLoopbackHub(): Promise<LoopbackHub> {
  const hub: LoopbackHub = {
    endpoint: "",
    seen: [],
    truncate: new Map(),
    stall: new Set(),
    extra: new Map(),
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = decodeURIComponent(url.pathname);
    hub.seen.push(`${req.method} ${path}`);
    const tree = path.match(/^\/api\/datasets\/(org\/[^/]+)\/tree\/([^/]+)$/);
    if (tree) {
      const files = [...repoFiles(tree[1], hub).keys()].sort();
      if (files.length === 0 || tree[2] !== "main") return void res.writeHead(404, { "X-Error-Message": "Repository not found" }).end();
      const at = Number(url.searchParams.get("cursor") ?? 0);
      const page = files.slice(at, at + 2).map((p) => ({ type: "file", path: p, size: 0 }));
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (at + 2 < files.length) headers.link = `<${hub.endpoint}${url.pathname}?recursive=true&cursor=${at + 2}>; rel="next"`;
      return void res.writeHead(200, headers).end(JSON.stringify(page));
    }
    const m = path.match(/^\/datasets\/(org\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    const full = repoFiles(m?.[1] ?? "", hub).get(m?.[3] ?? "");
    if (!m || !full || (m[2] !== "main" && m[2] !== COMMIT)) {
      return void res.writeHead(404, { "X-Error-Code": "EntryNotFound" }).end();
    }
    const key = `${m[1]}/${m[3]}`;
    const body = hub.truncate.has(key) ? full.subarray(0, hub.truncate.get(key)) : full;
    const headers: Record<string, string> = {
      "x-repo-commit": COMMIT,
      etag: `"${sha256Hex(body)}"`,
      "content-length": String(body.length),
      "accept-ranges": "bytes",
    };
    if (req.method === "HEAD") return void res.writeHead(200, headers).end();
    if (hub.stall.has(key)) return void res.writeHead(200, headers).flushHeaders(); // and nothing more
    const range = req.headers.range?.match(/^bytes=(\d+)-$/);
    if (range) {
      const from = Number(range[1]);
      const part = body.subarray(from);
      const h = { ...headers, "content-length": String(part.length), "content-range": `bytes ${from}-${body.length - 1}/${body.length}` };
      return void res.writeHead(206, h).end(part);
    }
    res.writeHead(200, headers).end(body);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  hub.endpoint = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  return hub;
}
