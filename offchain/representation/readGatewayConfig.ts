import os from "node:os";
import { parseArgs } from "node:util";

import { isAddress, isHex } from "viem";

import { BaseError } from "../shared/BaseError.js";
import { DEFAULT_HTTP_LIMITS, type HttpServerLimits } from "../shared/http/serveHttp.js";

/** Everything `main.ts` needs to run the gateway alone, read from flags and the environment. */
export interface GatewayProcessConfig {
  rpcUrl: string;
  ledgerAddress: string;
  /** From GATEWAY_PRIVATE_KEY only: a flag would leak it into `ps` and shell history. */
  privateKey: string;
  /** From GATEWAY_CONTROL_TOKEN only: enables the C2R routes (`/v1/control/*`) behind it. */
  controlToken?: string;
  /** Skips chain-id detection, so the gateway starts (and answers 503) while the RPC is down. */
  chainId?: bigint;
  /** PostgreSQL server; when absent, PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  blobDir: string;
  schemaDir?: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  maxBlockSize: number;
  maxWaitMs: number;
  /** Records waiting to be anchored before submissions get GATEWAY_BUSY; absent: default. */
  maxBacklog?: number;
  pollMs: number;
  /** Worker threads recovering signature keys (0: on the main thread). */
  signatureWorkers: number;
  confirmations: number;
  rpcTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** What one HTTP client may hold: timeouts against slow clients, a connection cap. */
  http: HttpServerLimits;
}

/** A missing or invalid setting; the process exits non-zero with this code. */
export class GatewayConfigError extends BaseError {
  constructor(
    code: "CONFIG_MISSING" | "CONFIG_INVALID",
    shortMessage: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(code, shortMessage, { details, cause });
  }
}

export const GATEWAY_USAGE = `Usage: npm run gateway -- [options]   (the representation gateway alone)

  --rpc-url <url>          JSON-RPC endpoint                      env RPC_URL (required)
  --ledger <address>       DataLedger contract                    env LEDGER_ADDRESS (required)
                           gateway key (GATEWAY_ROLE)             env GATEWAY_PRIVATE_KEY (required)
                           C2R control token (>= 32 characters): enables /v1/control/*
                                                                  env GATEWAY_CONTROL_TOKEN
  --chain-id <n>           skip chain-id detection                env CHAIN_ID
  --data-dir <dir>         PGlite directory (default data/gateway) env DATA_DIR
                           PostgreSQL instead of PGlite           env DATABASE_URL
  --blob-dir <dir>         payloads and block documents (default data/blobs)  env BLOB_DIR
  --schema-dir <dir>       base of relative file: format URIs     env SCHEMA_DIR
  --host <host>            listen address (default 127.0.0.1)     env HOST
  --port <n>               listen port, 0 picks one (default 8080) env PORT
  --max-block-size <n>     records per data block (default 256)
  --max-wait-ms <n>        longest a record waits for its block (default 2000)
  --max-backlog <n>        records waiting to be anchored before new submissions get
                           503 GATEWAY_BUSY (default 4 blocks' worth, at least 1000)
  --poll-ms <n>            pause of the batcher and submitter loops (default 200)
  --signature-workers <n>  threads recovering signature keys, 0 = main thread
                           (default: cores - 1, at most 4)
  --confirmations <n>      blocks before a record counts as anchored (default 1)
  --rpc-timeout-ms <n>     one JSON-RPC request's timeout (default 30000)
  --shutdown-timeout-ms <n> forced exit after SIGINT/SIGTERM (default 30000)
  --header-timeout-ms <n>  a client's time to send its headers, else 408 (default 10000)
  --request-timeout-ms <n> a client's time to send a whole request, body included,
                           else 408 (default 30000)
  --keep-alive-timeout-ms <n> idle time of a kept-alive connection (default 5000)
  --max-connections <n>    open connections at once; more are closed (default 1024)
  --max-requests-per-socket <n> requests on one connection, 0 = no limit (default 0)
`;

const OPTIONS = {
  "rpc-url": { type: "string" },
  ledger: { type: "string" },
  "chain-id": { type: "string" },
  "data-dir": { type: "string" },
  "blob-dir": { type: "string" },
  "schema-dir": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  "max-block-size": { type: "string" },
  "max-wait-ms": { type: "string" },
  "max-backlog": { type: "string" },
  "poll-ms": { type: "string" },
  "signature-workers": { type: "string" },
  confirmations: { type: "string" },
  "rpc-timeout-ms": { type: "string" },
  "shutdown-timeout-ms": { type: "string" },
  "header-timeout-ms": { type: "string" },
  "request-timeout-ms": { type: "string" },
  "keep-alive-timeout-ms": { type: "string" },
  "max-connections": { type: "string" },
  "max-requests-per-socket": { type: "string" },
  help: { type: "boolean" },
} as const;

/**
 * Reads the gateway process's configuration: a flag wins over its environment variable, the
 * gateway key comes from the environment only. Every problem is a GatewayConfigError with a
 * stable code, thrown before anything is opened.
 *
 * @throws {GatewayConfigError} CONFIG_MISSING, CONFIG_INVALID.
 *
 * @example
 * const config = readGatewayConfig(process.argv.slice(2), process.env); // undefined: --help
 */
export function readGatewayConfig(
  argv: string[],
  env: Record<string, string | undefined>,
): GatewayProcessConfig | undefined {
  let values: Partial<Record<keyof typeof OPTIONS, string | boolean>>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (cause) {
    if (argv.some((a) => /^--(private-key|gateway-private-key|key)\b/.test(a))) {
      throw new GatewayConfigError(
        "CONFIG_INVALID",
        "The gateway key is read from GATEWAY_PRIVATE_KEY only, never from a flag",
      );
    }
    throw new GatewayConfigError("CONFIG_INVALID", (cause as Error).message, {}, cause);
  }
  if (values.help) return undefined;
  const flag = (name: keyof typeof OPTIONS) => values[name] as string | undefined;
  const setting = (name: keyof typeof OPTIONS, variable?: string) =>
    nonEmpty(flag(name)) ?? (variable ? nonEmpty(env[variable]) : undefined);

  const rpcUrl = required(setting("rpc-url", "RPC_URL"), "--rpc-url or RPC_URL");
  if (!/^https?:\/\//.test(rpcUrl) || !URL.canParse(rpcUrl)) {
    throw new GatewayConfigError("CONFIG_INVALID", "The RPC URL must be an http(s) URL", {
      setting: "rpc-url",
    });
  }
  const ledgerAddress = required(setting("ledger", "LEDGER_ADDRESS"), "--ledger or LEDGER_ADDRESS");
  if (!isAddress(ledgerAddress, { strict: false })) {
    throw new GatewayConfigError("CONFIG_INVALID", "The ledger address is not an address", {
      setting: "ledger",
      value: ledgerAddress,
    });
  }
  const privateKey = required(nonEmpty(env.GATEWAY_PRIVATE_KEY), "GATEWAY_PRIVATE_KEY");
  const key = privateKey.startsWith("0x") ? privateKey : `0x${privateKey}`;
  if (!isHex(key) || key.length !== 66 || /^0x0+$/.test(key)) {
    // The value itself is never echoed.
    throw new GatewayConfigError("CONFIG_INVALID", "GATEWAY_PRIVATE_KEY is not a 32-byte hex key", {
      setting: "GATEWAY_PRIVATE_KEY",
    });
  }
  const controlToken = nonEmpty(env.GATEWAY_CONTROL_TOKEN);
  if (controlToken !== undefined && controlToken.length < 32) {
    // A short token can be guessed; the value itself is never echoed.
    throw new GatewayConfigError(
      "CONFIG_INVALID",
      "GATEWAY_CONTROL_TOKEN must be at least 32 characters (e.g. openssl rand -hex 32)",
      { setting: "GATEWAY_CONTROL_TOKEN" },
    );
  }
  const chainId = setting("chain-id", "CHAIN_ID");
  const limit = (name: keyof typeof OPTIONS, fallback: number, min: number) =>
    integer(name, flag(name) ?? String(fallback), min);
  const http: HttpServerLimits = {
    headersTimeoutMs: limit("header-timeout-ms", DEFAULT_HTTP_LIMITS.headersTimeoutMs, 100),
    requestTimeoutMs: limit("request-timeout-ms", DEFAULT_HTTP_LIMITS.requestTimeoutMs, 100),
    keepAliveTimeoutMs: limit("keep-alive-timeout-ms", DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs, 1),
    maxConnections: limit("max-connections", DEFAULT_HTTP_LIMITS.maxConnections, 1),
    maxRequestsPerSocket: limit(
      "max-requests-per-socket",
      DEFAULT_HTTP_LIMITS.maxRequestsPerSocket,
      0,
    ),
  };
  if (http.headersTimeoutMs > http.requestTimeoutMs) {
    throw new GatewayConfigError(
      "CONFIG_INVALID",
      "--header-timeout-ms must not exceed --request-timeout-ms",
      { setting: "header-timeout-ms", value: http.headersTimeoutMs },
    );
  }

  return {
    rpcUrl,
    ledgerAddress,
    privateKey: key,
    controlToken,
    chainId: chainId === undefined ? undefined : BigInt(integer("chain-id", chainId, 1)),
    databaseUrl: nonEmpty(env.DATABASE_URL),
    dataDir: setting("data-dir", "DATA_DIR") ?? "data/gateway",
    blobDir: setting("blob-dir", "BLOB_DIR") ?? "data/blobs",
    schemaDir: setting("schema-dir", "SCHEMA_DIR"),
    host: setting("host", "HOST") ?? "127.0.0.1",
    port: integer("port", setting("port", "PORT") ?? "8080", 0, 65_535),
    maxBlockSize: integer("max-block-size", flag("max-block-size") ?? "256", 1, 100_000),
    maxWaitMs: integer("max-wait-ms", flag("max-wait-ms") ?? "2000", 0),
    maxBacklog:
      flag("max-backlog") === undefined
        ? undefined
        : integer("max-backlog", flag("max-backlog")!, 1),
    pollMs: integer("poll-ms", flag("poll-ms") ?? "200", 1),
    signatureWorkers: integer(
      "signature-workers",
      flag("signature-workers") ?? String(defaultSignatureWorkers()),
      0,
      64,
    ),
    confirmations: integer("confirmations", flag("confirmations") ?? "1", 1, 1_000),
    rpcTimeoutMs: integer("rpc-timeout-ms", flag("rpc-timeout-ms") ?? "30000", 100),
    shutdownTimeoutMs: integer("shutdown-timeout-ms", flag("shutdown-timeout-ms") ?? "30000", 0),
    http,
  };
}

/** One core is left to the main thread (HTTP, database, batcher); more than 4 rarely pays. */
export function defaultSignatureWorkers(): number {
  return Math.max(0, Math.min(4, os.availableParallelism() - 1));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) {
    throw new GatewayConfigError("CONFIG_MISSING", `${what} is required`, { setting: what });
  }
  return value;
}

function integer(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new GatewayConfigError(
      "CONFIG_INVALID",
      `--${name} must be an integer from ${min} to ${max}`,
      { setting: name, value },
    );
  }
  return n;
}
