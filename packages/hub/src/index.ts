// @sae/hub public surface for every runtime (browsers, Deno, Node, Bun): nothing here imports `node:` or touches a
// file system. Hub URLs and name checks, files by URL over fetch, a hub file as bytes through a pluggable cache
// (memory, a browser's Cache Storage; a folder: FileHubCache in ./node), the retry/timeout policy and the typed
// errors. Downloads into huggingface_hub's cache folder (hubDownload, locks, file checksums): `@sae/hub/node`.
export { DownloadError, NotFoundError, UnavailableError, TimeoutError } from "./errors.ts";
export {
  checkFilename,
  checkRepoId,
  checkRevision,
  hubEndpoint,
  hubFileUrl,
  isCommitHash,
  type RepoType,
} from "./hub-names.ts";
export { isSha1Hex, isSha256Hex, sha256Digest, gitBlobSha1Digest } from "./digest.ts";
export {
  fetchBytes,
  fetchText,
  fetchOptionalBytes,
  joinUrl,
  type FetchLike,
  type FetchUrlOptions,
} from "./fetch-url.ts";
export { retryPolicy, type RetryOptions, type RetryPolicy, type DownloadProgress } from "./hub-fetch.ts";
export { hubFileMetadata, type HubFileMetadata, type HubRequestOptions } from "./hub-metadata.ts";
export {
  hubFetchBytes,
  MemoryHubCache,
  CacheStorageHubCache,
  type HubCache,
  type HubBytesOptions,
} from "./hub-bytes.ts";
