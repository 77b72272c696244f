// @sae/server public surface: the Hono app (createApp), its limits, the GPU queue and the Bun listener helper.
export { createApp, type AppOptions } from "./app.ts";
export { SERVER_LIMITS, REQUEST_DEFAULTS, type ServerLimits } from "./limits.ts";
export { GpuQueue, QueueFullError, ClientGoneError, type QueueStats } from "./queue.ts";
export { allowedHost, siteGuard, type SiteGuardOptions } from "./site_guard.ts";
export { HttpError, toHttp, type ErrorBody } from "./http_error.ts";
export { listen, ListenError, type Listening } from "./listen.ts";
export { PAGE_HTML } from "./page.ts";
export {
  loadAnalysisPair,
  newestCheckpoint,
  NoSaeError,
  resolveSaeArg,
  type PairOptions,
  type LoadedPair,
  type SaeArg,
} from "./load_pair.ts";
