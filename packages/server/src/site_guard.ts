// The guard a token-less server relies on instead of a secret: a web page on another site must not be able to make
// the browser call the API (cross-site "simple" POSTs need no CORS preflight), and a DNS-rebinding page (evil.example
// resolving to 127.0.0.1) must not reach it either. So, when no token is set:
// - every request's Host must be a loopback name (localhost, 127.0.0.1, [::1]) or the host the server is bound to;
//   bound to a wildcard (0.0.0.0, ::), any IP literal too (rebinding needs a DNS name);
// - a /v1 or /api request that says where it comes from must come from the same origin, a loopback page or an origin
//   allowed with --cors (Origin), or at least not be cross-site (Sec-Fetch-Site); requests without either header
//   (curl, scripts) pass.
// Refusals are HttpError 403 naming the header. Not here: bearer auth (app.ts), which makes this guard unnecessary.
import type { MiddlewareHandler } from "hono";
import { HttpError } from "./http_error.ts";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const WILDCARD = new Set(["0.0.0.0", "::", "[::]", ""]);

export interface SiteGuardOptions {
  /** The interface the server listens on (default 127.0.0.1). */
  host?: string;
  /** Origins allowed by --cors ("*": any origin). */
  cors?: readonly string[];
}

/** "Example.org:8080" -> "example.org"; "[::1]:80" -> "[::1]". */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const colon = h.indexOf(":");
  return colon >= 0 && h.indexOf(":", colon + 1) < 0 ? h.slice(0, colon) : h;
}

const isIpLiteral = (h: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || /^\[[0-9a-f:.]+\]$/.test(h);

/** Whether a Host header names this server: loopback, the bound host, or (bound to a wildcard) an IP literal. */
export function allowedHost(hostHeader: string, bound = "127.0.0.1"): boolean {
  const h = hostName(hostHeader);
  const b = bound.toLowerCase();
  if (LOOPBACK.has(h)) return true;
  if (WILDCARD.has(b)) return isIpLiteral(h);
  return h === b || h === `[${b}]`;
}

/** An Origin that is the request's own host (same origin) or a loopback page ("null" and malformed ones are not). */
function sameMachine(origin: string, requestHost: string): boolean {
  try {
    const h = new URL(origin).host.toLowerCase();
    return h === requestHost.trim().toLowerCase() || LOOPBACK.has(hostName(h));
  } catch {
    return false;
  }
}

export function siteGuard(opts: SiteGuardOptions = {}): MiddlewareHandler {
  const cors = opts.cors ?? [];
  return async (c, next) => {
    const host = c.req.header("Host") ?? new URL(c.req.url).host;
    if (!allowedHost(host, opts.host)) {
      const why = "this server answers to localhost and its own address; set --token to serve other names";
      throw new HttpError(403, `unexpected Host '${host}' (${why})`, "Host");
    }
    if (/^\/(v1|api)\//.test(c.req.path) && c.req.method !== "OPTIONS") {
      const origin = c.req.header("Origin");
      const site = c.req.header("Sec-Fetch-Site");
      if (origin !== undefined) {
        if (!(cors.includes("*") || cors.includes(origin) || sameMachine(origin, host))) {
          throw new HttpError(403, `cross-site request from ${origin} refused (allow it with --cors, or set --token)`,
            "Origin");
        }
      } else if (site === "cross-site") {
        const why = "cross-site request (Sec-Fetch-Site: cross-site) refused (set --token to allow it)";
        throw new HttpError(403, why, "Sec-Fetch-Site");
      }
    }
    await next();
  };
}
