// serveLoopback + fakeHub (@sae/hub/testing), the server the loader tests use under Bun and Deno: a file answered to
// HEAD and GET with its sha256 ETag, commit and length, at `main` and at the commit; a 404 with the hub's error code;
// a POST body reaching the handler; every request logged; a thrown handler answering 500; close frees the port.
import { afterAll, describe, expect, test } from "bun:test";
import { sha256Hex } from "./sha256.ts";
import { fakeHub, serveLoopback } from "./testing.ts";

const COMMIT = "a".repeat(40);
const hub = fakeHub(COMMIT);
const body = new TextEncoder().encode('{"d_in": 4}');
hub.put("org/repo", "layer0/cfg.json", body);
const server = await serveLoopback(hub.handle);
afterAll(() => server.close());

describe("loopback fake hub", () => {
  test("HEAD and GET at main and at the commit: ETag sha256, X-Repo-Commit, Content-Length, the body", async () => {
    for (const rev of ["main", COMMIT]) {
      const url = `${server.url}/org/repo/resolve/${rev}/layer0/cfg.json`;
      const head = await fetch(url, { method: "HEAD" });
      const get = await fetch(url);
      for (const r of [head, get]) {
        expect(r.status).toBe(200);
        expect(r.headers.get("etag")).toBe(`"${sha256Hex(body)}"`);
        expect(r.headers.get("x-repo-commit")).toBe(COMMIT);
        expect(r.headers.get("content-length")).toBe(String(body.length));
      }
      expect(await head.text()).toBe("");
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(body);
    }
    const log = server.requests.splice(0);
    expect(log).toEqual(["main", "main", COMMIT, COMMIT].map((r, i) => {
      const m = i % 2 ? "GET" : "HEAD";
      return `${m} /org/repo/resolve/${r}/layer0/cfg.json`;
    }));
  });

  test("a missing file: 404 with X-Error-Code EntryNotFound, the decoded path logged", async () => {
    const r = await fetch(`${server.url}/org/repo/resolve/main/a%20b.json`);
    expect(r.status).toBe(404);
    expect(r.headers.get("x-error-code")).toBe("EntryNotFound");
    expect(server.requests.splice(0)).toEqual(["GET /org/repo/resolve/main/a b.json"]);
  });

  test("a handler sees the method, headers and body; one that throws answers 500; close frees the port", async () => {
    const echo = await serveLoopback(async (req) => {
      if (req.method === "PUT") throw new Error("no PUT here");
      return new Response(`${req.method} ${req.headers.get("authorization")} ${await req.text()}`);
    });
    const headers = { Authorization: "Bearer t" };
    const post = await fetch(`${echo.url}/x`, { method: "POST", body: "hello", headers });
    expect(await post.text()).toBe("POST Bearer t hello");
    const put = await fetch(`${echo.url}/x`, { method: "PUT", body: "x" });
    expect(put.status).toBe(500);
    expect(await put.text()).toContain("no PUT here");
    expect(echo.requests).toEqual(["POST /x", "PUT /x"]);
    await echo.close();
    expect(await fetch(`${echo.url}/x`).catch((e: Error) => e)).toBeInstanceOf(Error);
  });
});
