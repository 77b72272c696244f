// @sae/hub/testing: helpers for tests that need an HTTP server (a loopback server on node:http, runs under Bun, Node
// and Deno; a fake Hugging Face hub to put behind it). A workspace-only subpath, never in the published package.
export { type Loopback, type LoopbackHandler, serveLoopback } from "./loopback_testing.ts";
export { type FakeHub, fakeHub } from "./fake_hub_testing.ts";
