import { FetchRequest, Network, Wallet } from "ethers";

import { HttpJsonRpcProvider } from "../chain/HttpJsonRpcProvider.js";
import { useFetchForEthers } from "../chain/useFetchForEthers.js";
import { BaseError } from "../shared/BaseError.js";
import { serveHttp, type HttpListener } from "../shared/http/serveHttp.js";
import { createGateway, type Gateway } from "./createGateway.js";
import {
  GATEWAY_USAGE,
  readGatewayConfig,
  type GatewayProcessConfig,
} from "./readGatewayConfig.js";

// The representation FE run alone (DESIGN.md: "each module can also run alone"):
//   GATEWAY_PRIVATE_KEY=0x… node --import tsx offchain/representation/main.ts \
//     --rpc-url http://127.0.0.1:8545 --ledger 0x… --data-dir data/gateway --port 8080
// stdout carries one JSON object per line ({"event":"listening","url":…} once ready, then the
// submitter's events); stderr carries errors, also as JSON lines. Exit codes: 0 after a clean
// shutdown, 2 for bad configuration, 1 for anything else.

const EXIT_CONFIG = 2;
const EXIT_FAILURE = 1;

function emit(stream: NodeJS.WriteStream, event: string, details: Record<string, unknown> = {}) {
  stream.write(
    `${JSON.stringify({ event, ...details }, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n`,
  );
}

function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof BaseError) {
    return { code: error.code, message: error.shortMessage, details: error.details };
  }
  const e = error as { code?: unknown; shortMessage?: unknown; message?: unknown };
  return { code: e?.code ?? "INTERNAL", message: String(e?.shortMessage ?? e?.message ?? error) };
}

let stopping = false;
let opening = false;
let stop: (signal: string) => void = (signal) => {
  // Waiting for the RPC, nothing is open yet; while the database opens, run() closes it after.
  if (opening) return;
  emit(process.stdout, "stopped", { signal });
  process.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) {
      emit(process.stderr, "fatal", { code: "FORCED_EXIT", message: `second ${signal}` });
      process.exit(EXIT_FAILURE);
    }
    stopping = true;
    stop(signal);
  });
}

let config: GatewayProcessConfig | undefined;
try {
  config = readGatewayConfig(process.argv.slice(2), process.env);
} catch (error) {
  emit(process.stderr, "fatal", errorFields(error));
  process.stderr.write(GATEWAY_USAGE);
  process.exit(EXIT_CONFIG);
}
if (!config) {
  process.stdout.write(GATEWAY_USAGE);
  process.exit(0);
}

try {
  await run(config);
} catch (error) {
  emit(process.stderr, "fatal", errorFields(error));
  process.exit(EXIT_FAILURE);
}

async function run(config: GatewayProcessConfig): Promise<void> {
  useFetchForEthers();
  const request = () => {
    const req = new FetchRequest(config.rpcUrl);
    req.timeout = config.rpcTimeoutMs;
    return req;
  };
  const chainId = config.chainId ?? (await detectChainId(request));
  if (stopping) return;
  // A static network: ethers would otherwise re-detect it, and wait forever while the RPC is down.
  const network = Network.from(chainId);
  const provider = new HttpJsonRpcProvider(config.rpcUrl, network, {
    timeoutMs: config.rpcTimeoutMs,
    staticNetwork: network,
    cacheTimeout: -1,
    // Calls made in the same tick are still batched; ethers' default 10 ms stall would add
    // 10 ms to each of the accept path's two chain reads.
    batchStallTime: 0,
  });
  opening = true;
  const gateway = await createGateway({
    ledgerAddress: config.ledgerAddress,
    provider,
    signer: new Wallet(config.privateKey, provider),
    controlToken: config.controlToken,
    database: config.databaseUrl
      ? { url: config.databaseUrl }
      : { url: "", dataDir: config.dataDir },
    blobDir: config.blobDir,
    schemaBaseDir: config.schemaDir,
    batch: { maxBlockSize: config.maxBlockSize, maxWaitMs: config.maxWaitMs },
    limits: { maxBacklog: config.maxBacklog },
    submit: { confirmations: config.confirmations },
    pollMs: config.pollMs,
    signatureWorkers: config.signatureWorkers,
    onEvent: (event, details) => emit(process.stdout, event, details),
    onError: (error) => emit(process.stderr, "error", errorFields(error)),
  });
  if (stopping) {
    await gateway.close();
    emit(process.stdout, "stopped", {});
    process.exit(0);
  }

  // Timeouts and a connection cap: a slow or greedy client must not hold the gateway's sockets.
  const http = await serveHttp({
    ...config.http,
    hostname: config.host,
    port: config.port,
    fetch: (req, env) => {
      // Keep-alive connections can still deliver requests after close(): turn them away with a
      // retryable status rather than accept a record the database may not be open to store.
      if (stopping) {
        return Response.json(
          {
            error: {
              code: "GATEWAY_STOPPING",
              message: "The gateway is shutting down",
              details: {},
            },
          },
          { status: 503, headers: { connection: "close" } },
        );
      }
      return gateway.app.fetch(req, env);
    },
  });
  stop = (signal) => void shutdown(gateway, http, signal, config.shutdownTimeoutMs);
  if (stopping) return stop("SIGTERM"); // the signal came while the port was opening
  emit(process.stdout, "listening", {
    url: http.url,
    database: gateway.db.kind,
    chainId,
    ledger: config.ledgerAddress,
  });
}

/** Stops accepting, lets in-flight requests commit and answer, stops the loops, closes the DB. */
async function shutdown(
  gateway: Gateway,
  http: HttpListener,
  signal: string,
  timeoutMs: number,
): Promise<void> {
  emit(process.stdout, "stopping", { signal });
  const forced = setTimeout(() => {
    emit(process.stderr, "fatal", { code: "SHUTDOWN_TIMEOUT", message: "forced exit" });
    process.exit(EXIT_FAILURE);
  }, timeoutMs);
  forced.unref();
  try {
    await http.close();
    await gateway.close();
    emit(process.stdout, "stopped", { signal });
    process.exit(0);
  } catch (error) {
    emit(process.stderr, "fatal", errorFields(error));
    process.exit(EXIT_FAILURE);
  }
}

/** eth_chainId, retried with backoff while the node is unreachable (a gateway may start first). */
async function detectChainId(request: () => FetchRequest): Promise<bigint> {
  for (let attempt = 0; ; attempt++) {
    try {
      const req = request();
      req.body = { jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] };
      const response = await req.send();
      response.assertOk();
      const result = (response.bodyJson as { result?: unknown }).result;
      if (typeof result !== "string") throw new Error("eth_chainId answered no result");
      return BigInt(result);
    } catch (error) {
      if (stopping) throw error;
      if (attempt === 0) emit(process.stderr, "waiting-for-rpc", errorFields(error));
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 5_000)));
    }
  }
}
