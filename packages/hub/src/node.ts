// @sae/hub/node: the parts that need a file system (Node, Bun, Deno): hubDownload into huggingface_hub's own cache
// layout (resumable, verified, one download per blob across processes), that cache's paths, FileHubCache (a folder
// for hubFetchBytes), streamed file checksums and the cross-process lock file (withFileLock, LockBusyError).
// Everything that works over fetch alone is in "@sae/hub".
export { hubDownload, type HubDownloadOptions } from "./hub.ts";
export { hubCacheDir, repoFolderName, HubCacheRepo } from "./hub-cache.ts";
export { FileHubCache } from "./hub-bytes-fs.ts";
export { sha256Hex, sha256File } from "./sha256.ts";
export { gitBlobSha1, gitBlobSha1File } from "./sha1.ts";
export { withFileLock, LockBusyError, type LockOptions } from "./hub-lock.ts";
