// A fake Hugging Face hub for tests, as a LoopbackHandler: files by repo id and path under the hub's
// /{repo}/resolve/{revision}/{path} layout (revision `main` or the hub's commit), each answered to HEAD and GET with
// ETag = sha256 of the body (what the hub sends for LFS files), X-Repo-Commit and Content-Length; anything else is a
// 404 with X-Error-Code EntryNotFound, as the hub answers. No LFS redirects, listings or Range: @sae/hub's own tests
// cover those with their own servers. Test-only (@sae/hub/testing).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { sha256Hex } from "./sha256.ts";

export interface FakeHub {
  /** The commit every answer names (X-Repo-Commit); files are served at revision `main` and at this commit. */
  commit: string;
  /** Served bodies by path, `/{repo}/resolve/main/{path}`. */
  files: Map<string, Uint8Array>;
  put(repo: string, path: string, body: Uint8Array): void;
  /** Every file under `dir` (recursively) as `{under}/{its path relative to dir}` in `repo` (`under` may be ""). */
  putFolder(repo: string, dir: string, under?: string): void;
  handle(req: Request): Response;
}

export function fakeHub(commit: string): FakeHub {
  const files = new Map<string, Uint8Array>();
  const put = (repo: string, path: string, body: Uint8Array) => void files.set(`/${repo}/resolve/main/${path}`, body);
  const putFolder = (repo: string, dir: string, under = "") => {
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const p = join(e.parentPath, e.name);
      put(repo, join(under, relative(dir, p)), new Uint8Array(readFileSync(p)));
    }
  };
  const handle = (req: Request): Response => {
    const path = decodeURIComponent(new URL(req.url).pathname).replace(`/resolve/${commit}/`, "/resolve/main/");
    const body = files.get(path);
    if (!body) return new Response(null, { status: 404, headers: { "X-Error-Code": "EntryNotFound" } });
    const headers = { ETag: `"${sha256Hex(body)}"`, "X-Repo-Commit": commit, "Content-Length": `${body.length}` };
    return new Response(req.method === "HEAD" ? null : (body as Uint8Array<ArrayBuffer>), { headers });
  };
  return { commit, files, put, putFolder, handle };
}
