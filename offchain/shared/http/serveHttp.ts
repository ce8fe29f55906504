import type { Server } from "node:http";
import { isIPv6, type AddressInfo } from "node:net";

import { createAdaptorServer, type Http2Bindings, type HttpBindings } from "@hono/node-server";

import { BaseError } from "../BaseError.js";

/**
 * What one client may hold of an HTTP server. Node's own defaults let a client take a minute
 * over its headers and five minutes over its body, and accept connections without end, so a
 * few slow clients (slowloris) can hold a server for minutes; these are tighter.
 */
export interface HttpServerLimits {
  /** Longest a client may take to send the request line and headers, in ms. */
  headersTimeoutMs: number;
  /** Longest a client may take to send the whole request, body included, in ms. */
  requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open for the next request, in ms. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; one more is closed as soon as it is accepted. */
  maxConnections: number;
  /** Requests served on one kept-alive connection before it is closed; 0: no limit. */
  maxRequestsPerSocket: number;
}

/** The limits a server gets unless told otherwise (the gateway's usage text repeats them). */
export const DEFAULT_HTTP_LIMITS: Readonly<HttpServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
  maxRequestsPerSocket: 0,
});

export interface ServeHttpOptions extends Partial<HttpServerLimits> {
  /** The app's fetch handler: `app.fetch` of a Hono app (`env` carries Node's req and res). */
  fetch: (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;
  hostname: string;
  /** 0 picks a free port. */
  port: number;
}

/** A listening server. */
export interface HttpListener {
  server: Server;
  /** `http://hostname:port` with the hostname as given and the port actually bound. */
  url: string;
  port: number;
  /** The limits in force. */
  limits: HttpServerLimits;
  /** Stops accepting, closes idle kept-alive connections, resolves once in-flight requests end. */
  close(): Promise<void>;
}

/** A limit is not a usable number, or the header timeout is longer than the request timeout. */
export class HttpLimitsInvalidError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown>) {
    super("HTTP_LIMITS_INVALID", shortMessage, { details });
  }
}

/** The port could not be bound (in use, not permitted, no such address). */
export class HttpListenError extends BaseError {
  constructor(hostname: string, port: number, cause: unknown) {
    const code = (cause as { code?: unknown })?.code;
    super("HTTP_LISTEN_FAILED", `Cannot listen on ${hostname}:${port} (${String(code)})`, {
      details: { hostname, port, reason: code },
      cause,
    });
  }
}

/**
 * Serves a Hono app over HTTP/1.1 with the connection limits of `HttpServerLimits` (defaults:
 * `DEFAULT_HTTP_LIMITS`). A client too slow with its headers or its request gets 408 and its
 * connection closed; connections beyond `maxConnections` are closed on arrival while the others
 * keep being served. Resolves once the server listens.
 *
 * @throws {HttpLimitsInvalidError} HTTP_LIMITS_INVALID, before anything is opened.
 * @throws {HttpListenError} HTTP_LISTEN_FAILED when the port cannot be bound.
 *
 * @example
 * const http = await serveHttp({ fetch: app.fetch, hostname: "127.0.0.1", port: 8080,
 *   maxConnections: 256 });
 * console.log(http.url);
 * await http.close();
 */
export async function serveHttp(options: ServeHttpOptions): Promise<HttpListener> {
  const limits = resolveLimits(options);
  const server = createAdaptorServer({
    fetch: options.fetch,
    hostname: options.hostname,
    serverOptions: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node enforces both timeouts only when it sweeps its connections, every 30 s by default:
      // a 10 s header timeout would then hold a connection for up to 40 s.
      connectionsCheckingInterval: checkingInterval(limits),
    },
  }) as Server;
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: unknown) =>
      reject(new HttpListenError(options.hostname, options.port, error));
    server.once("error", onError);
    server.listen(options.port, options.hostname, () => {
      server.off("error", onError);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  // The host as given, not as bound: "localhost" stays a name a browser and SIWE domains match.
  const host = isIPv6(options.hostname) ? `[${options.hostname}]` : options.hostname;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `http://${host}:${address.port}`,
    port: address.port,
    limits,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}

function resolveLimits(options: Partial<HttpServerLimits>): HttpServerLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS };
  for (const key of Object.keys(DEFAULT_HTTP_LIMITS) as (keyof HttpServerLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const min = key === "maxRequestsPerSocket" ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new HttpLimitsInvalidError(`${key} must be an integer of at least ${min}`, {
        limit: key,
        value,
      });
    }
    limits[key] = value;
  }
  // Node refuses this too, but with a message that names neither setting's flag.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new HttpLimitsInvalidError("The header timeout must not exceed the request timeout", {
      headersTimeoutMs: limits.headersTimeoutMs,
      requestTimeoutMs: limits.requestTimeoutMs,
    });
  }
  return limits;
}

/** A quarter of the shorter timeout, between 50 ms and 1 s: a slow client is cut off on time. */
function checkingInterval(limits: HttpServerLimits): number {
  return Math.min(1_000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4)));
}
