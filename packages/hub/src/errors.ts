// Typed errors of the hub client. Every message names the URL (or the repo, file and revision) and the status, limit
// or checksum involved. Callers at the edge (CLI, server) map these to exit codes and HTTP statuses. Not tensor-core's
// errors (shapes, dtypes, devices): this package does not depend on tensor-core.

/** A network or hub failure (404, 401, a bad checksum, a protocol violation): the message names the URL. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server answered 404: no such file (loaders read an optional file's absence from it). */
export class NotFoundError extends DownloadError {}

/** A server that could not answer (network error, HTTP 5xx or 429): retried with backoff; a cache answers if it can. */
export class UnavailableError extends DownloadError {}

/** A request with no response, or no bytes, within its timeout; the message names the URL and the limit. */
export class TimeoutError extends UnavailableError {}
