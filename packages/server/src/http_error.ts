// The error type every route throws for a bad request, and the one place that turns any error into an HTTP
// status and a JSON body `{ error: { status, message, field? } }`.
import { DTypeError, FormatError, LimitError, SaeError, ShapeError } from "@sae/tensor-core";
import { ClientGoneError, QueueFullError } from "./queue.ts";

export class HttpError extends SaeError {
  readonly status: 400 | 401 | 403 | 404 | 413 | 429 | 500 | 503;
  /** The request field at fault (e.g. "features[0].strength"). */
  readonly field?: string;
  constructor(status: HttpError["status"], message: string, field?: string) {
    super(field ? `${field}: ${message}` : message);
    this.status = status;
    this.field = field;
  }
}

export interface ErrorBody {
  error: { status: number; message: string; field?: string };
}

/** Maps an error to a status: HttpError as thrown, a full queue 429, typed argument errors 400, else 500. */
export function toHttp(err: unknown): { status: HttpError["status"]; body: ErrorBody } {
  if (err instanceof HttpError) return { status: err.status, body: { error: { status: err.status, message: err.message, field: err.field } } };
  if (err instanceof QueueFullError) return { status: 429, body: { error: { status: 429, message: err.message } } };
  if (err instanceof ClientGoneError) return { status: 503, body: { error: { status: 503, message: err.message } } };
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof LimitError || err instanceof ShapeError || err instanceof DTypeError) return { status: 400, body: { error: { status: 400, message } } };
  if (err instanceof FormatError) return { status: 500, body: { error: { status: 500, message } } };
  return { status: 500, body: { error: { status: 500, message: `internal error: ${message}` } } };
}
