/**
 * `npm start`: the whole system on one machine. With no options it starts Hardhat's in-process
 * network behind a local JSON-RPC server; `--rpc-url` points everything at any EVM node instead
 * (`hardhat node`, Anvil, a Besu consortium; the actors' keys come from DATALEDGER_MNEMONIC or the
 * development mnemonic). Then: deployment and initial roles, the representation gateway (R2D),
 * the supervisor's indexer and the service API (U2S), and simulated devices sending signed
 * readings. It prints the URLs and a live count of records accepted, anchored and verified (by the
 * SDK, against the chain only). Ctrl-C stops it cleanly; `--duration` stops it after N seconds.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { serve, type ServerType } from "@hono/node-server";
import { JsonRpcProvider } from "ethers";
import { createPublicClient, http, type Hex } from "viem";

import { useFetchForEthers } from "../offchain/chain/useFetchForEthers.js";
import { defineIndexerConfig } from "../offchain/monitoring/indexer/config.js";
import { Indexer } from "../offchain/monitoring/indexer/Indexer.js";
import { createGateway } from "../offchain/representation/createGateway.js";
import { defaultSignatureWorkers } from "../offchain/representation/readGatewayConfig.js";
import { ledgerDomain } from "../offchain/sdk/ledgerDomain.js";
import { getRecordStatus } from "../offchain/sdk/sendRecords.js";
import { verifyReceipt } from "../offchain/sdk/verifyReceipt.js";
import { actorsFromMnemonic, bootstrapLedger } from "../offchain/server/bootstrapLedger.js";
import { simulateDevices } from "../offchain/server/simulateDevices.js";
import { createServiceApp } from "../offchain/service/createServiceApp.js";
import { serviceMigrations } from "../offchain/service/schema.js";
import { DirectoryBlobStore } from "../offchain/storage/BlobStore.js";
import { migrate } from "../offchain/storage/migrate.js";
import { openDatabase } from "../offchain/storage/openDatabase.js";

const { values: opts } = parseArgs({
  options: {
    "rpc-url": { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "gateway-port": { type: "string", default: "8787" },
    "service-port": { type: "string", default: "8788" },
    devices: { type: "string", default: "4" },
    "interval-ms": { type: "string", default: "1000" },
    batch: { type: "string", default: "5" },
    "data-dir": { type: "string" },
    duration: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (opts.help) {
  console.log(`Usage: npm start -- [--rpc-url URL] [--gateway-port 8787] [--service-port 8788] [--devices 4]
                 [--interval-ms 1000] [--batch 5] [--data-dir DIR] [--duration SECONDS]`);
  process.exit(0);
}
const int = (name: keyof typeof opts) => {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer`);
    process.exit(2);
  }
  return n;
};

useFetchForEthers();
const closers: (() => Promise<unknown>)[] = [];
let rpcUrl = opts["rpc-url"];
if (!rpcUrl) {
  // The embedded default: Hardhat's in-process network, served over JSON-RPC so every module
  // talks to it exactly as it would to a remote node.
  const { network } = await import("hardhat");
  const server = await network.createServer("default", "127.0.0.1", 0);
  const { port } = await server.listen();
  rpcUrl = `http://127.0.0.1:${port}`;
  closers.push(() => server.close());
}

const provider = new JsonRpcProvider(rpcUrl, undefined, {
  cacheTimeout: -1,
  polling: true,
  pollingInterval: 250,
});
const chainId = (await provider.getNetwork()).chainId;
const actors = actorsFromMnemonic(provider, process.env.DATALEDGER_MNEMONIC);

// Per-chain, per-run state; an in-process chain starts empty every time, so its data would be stale.
const dataDir = opts["data-dir"] ?? path.join("data", `run-${chainId}-${Date.now()}`);
await mkdir(dataDir, { recursive: true });
const blobStore = new DirectoryBlobStore(path.join(dataDir, "blobs"));

const boot = await bootstrapLedger({ actors, blobStore, devices: int("devices") });

const gateway = await createGateway({
  ledgerAddress: boot.ledgerAddress,
  rpcUrl,
  signer: actors.gateway,
  database: { dataDir: process.env.DATABASE_URL ? undefined : path.join(dataDir, "gateway-db") },
  blobStore,
  batch: { maxBlockSize: 256, maxWaitMs: 1_000 },
  submit: { confirmations: 1 },
  signatureWorkers: defaultSignatureWorkers(),
});
closers.unshift(() => gateway.close());

const serviceDb = await openDatabase({
  dataDir: process.env.DATABASE_URL ? undefined : path.join(dataDir, "service-db"),
});
const indexer = new Indexer({
  config: defineIndexerConfig({
    chainId,
    contracts: {
      ledger: { address: boot.ledgerAddress, startBlock: boot.deployBlock },
      access: { address: boot.accessAddress, startBlock: boot.deployBlock },
    },
    confirmations: 2,
    pollingIntervalMs: 500,
  }),
  db: serviceDb,
  provider,
  blobs: blobStore,
});
await indexer.migrate();
await migrate(serviceDb, serviceMigrations);
indexer.start((error) => console.error("[monitoring]", error));
closers.unshift(async () => {
  await indexer.stop();
  await serviceDb.close();
});

const host = opts.host!;
const listen = (app: { fetch: (req: Request) => Response | Promise<Response> }, port: number) =>
  new Promise<{ server: ServerType; url: string }>((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) =>
      resolve({ server, url: `http://${host}:${info.port}` }),
    );
  });
const gatewayHttp = await listen(gateway.app, int("gateway-port"));
const servicePort = int("service-port");
const serviceApp = createServiceApp({
  db: serviceDb,
  blobs: blobStore,
  provider,
  ledgerAddress: boot.ledgerAddress,
  accessAddress: boot.accessAddress,
  siwe: {
    domain: `${host}:${servicePort}`,
    uri: `http://${host}:${servicePort}`,
    chainId: Number(chainId),
  },
});
const serviceHttp = await listen(serviceApp, servicePort);
for (const http of [gatewayHttp, serviceHttp])
  closers.unshift(() => new Promise((r) => http.server.close(() => r(undefined))));

console.log(`DataLedger on chain ${chainId} (${rpcUrl})
  ledger          ${boot.ledgerAddress}
  access registry ${boot.accessAddress}
  gateway (R2D)   ${gatewayHttp.url}   OpenAPI ${gatewayHttp.url}/openapi.json
  service (U2S)   ${serviceHttp.url}   API page ${serviceHttp.url}/docs
  data            ${dataDir}
  ${boot.devices.length} devices sending ${opts.batch} readings every ${opts["interval-ms"]} ms; Ctrl-C stops`);

const sim = simulateDevices({
  devices: boot.devices,
  domain: ledgerDomain(chainId, boot.ledgerAddress),
  formatId: boot.formatId,
  gatewayUrl: gatewayHttp.url,
  intervalMs: int("interval-ms"),
  batch: int("batch"),
  onError: (error) => console.error("[device]", (error as Error).message),
});

// The data user's side: verify anchored receipts with the SDK, trusting only the chain.
const publicClient = createPublicClient({ transport: http(rpcUrl) });
let anchored = 0;
let verified = 0;
let failed = 0;
let lastVerifiedPayload: unknown;
let verifying = true;
const verifierLoop = (async () => {
  while (verifying) {
    for (const [recordId, payload] of [...sim.pending].slice(0, 200)) {
      const { status, receipt } = await getRecordStatus(gatewayHttp.url, recordId as Hex).catch(
        () => ({ status: "unknown", receipt: undefined }),
      );
      if (status !== "anchored" || !receipt) continue;
      anchored++;
      sim.pending.delete(recordId);
      try {
        await verifyReceipt({ payload, receipt, publicClient, ledgerAddress: boot.ledgerAddress });
        verified++;
        lastVerifiedPayload = payload;
      } catch (error) {
        failed++;
        console.error(`[verify] ${recordId}: ${(error as Error).message}`);
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
})();

const tty = process.stdout.isTTY;
const status = () =>
  `accepted ${sim.accepted}  anchored ${anchored}  verified ${verified}  rejected ${sim.rejected}  failed verification ${failed}`;
const ticker = setInterval(
  () => (tty ? process.stdout.write(`\r${status()}   `) : console.log(status())),
  tty ? 500 : 5_000,
);

// U2S fingerprint verification of a payload the SDK verified: the service's index (M2P) must
// know it too. Waits briefly for the indexer to catch up.
async function askServiceToVerify(payload: unknown): Promise<boolean | null> {
  if (payload === undefined) return null;
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${serviceHttp.url}/v1/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ payload }),
    }).catch(() => undefined);
    if (res?.ok && ((await res.json()) as { recorded: boolean }).recorded) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

let stopping = false;
async function stop(reason: string) {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  await sim.stop();
  // Give the last accepted records a moment to anchor and verify before shutting down.
  const until = Date.now() + (reason === "duration" ? 15_000 : 0);
  while (sim.pending.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  verifying = false;
  await verifierLoop;
  console.log(`${tty ? "\n" : ""}stopped (${reason}): ${status()}`);
  const serviceSaysRecorded = await askServiceToVerify(lastVerifiedPayload);
  console.log(
    JSON.stringify({
      event: "summary",
      accepted: sim.accepted,
      anchored,
      verified,
      failed,
      pending: sim.pending.size,
      serviceSaysRecorded,
    }),
  );
  for (const close of closers) await close().catch((error) => console.error("[shutdown]", error));
  const incomplete = verified === 0 || sim.pending.size > 0 || serviceSaysRecorded !== true;
  process.exit(failed > 0 || (reason === "duration" && incomplete) ? 1 : 0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
if (opts.duration) setTimeout(() => void stop("duration"), int("duration") * 1000);
