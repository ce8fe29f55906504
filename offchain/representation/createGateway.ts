import type { OpenAPIHono } from "@hono/zod-openapi";
import { Wallet, type Provider, type Signer } from "ethers";
import { getAddress, type Address } from "viem";

import { HttpJsonRpcProvider } from "../chain/HttpJsonRpcProvider.js";
import { readDeploymentIdentity } from "../chain/readDeploymentIdentity.js";
import { ledgerDomain } from "../sdk/ledgerDomain.js";
import { chainCheck } from "../shared/http/chainCheck.js";
import { databaseCheck } from "../shared/http/databaseCheck.js";
import { deploymentCheck } from "../shared/http/deploymentCheck.js";
import { DirectoryBlobStore, type BlobStore } from "../storage/BlobStore.js";
import type { Database } from "../storage/Database.js";
import { DeploymentBinding, isRetryable } from "../storage/DeploymentBinding.js";
import { migrate } from "../storage/migrate.js";
import { openDatabase } from "../storage/openDatabase.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { AnchoredRecordFilter } from "./accept/AnchoredRecordFilter.js";
import { Batcher } from "./packing/Batcher.js";
import { GatewayControl } from "./control/GatewayControl.js";
import { createSignatureVerifier } from "./accept/createSignatureVerifier.js";
import { createGatewayApp, type GatewayLimits } from "./http/createGatewayApp.js";
import { FormatSchemaCache } from "./accept/FormatSchemaCache.js";
import { Loop } from "./Loop.js";
import { refuseOutdatedOutbox, representationMigrations } from "./outbox/migrations.js";
import { OutboxWriter } from "./outbox/OutboxWriter.js";
import { SourceRegistryCache } from "./accept/SourceRegistryCache.js";
import { Submitter, type SubmitterOptions } from "./anchoring/Submitter.js";

export interface GatewayConfig {
  /** The DataLedger contract (P2R). */
  ledgerAddress: string;
  /** JSON-RPC endpoint; or pass `provider` (tests inject Hardhat's). */
  rpcUrl?: string;
  provider?: Provider;
  /** The gateway's key (GATEWAY_ROLE), as a signer that signs locally, or a private key. */
  signer?: Signer;
  privateKey?: string;
  /** An open database, or where to open one (PGlite `dataDir`, PostgreSQL `url`). */
  database?: Database | { url?: string; dataDir?: string };
  /** Payloads and block documents; a directory store under `blobDir` when not given. */
  blobStore?: BlobStore;
  blobDir?: string;
  /** Base directory of relative `file:` format URIs. */
  schemaBaseDir?: string;
  batch?: { maxBlockSize?: number; maxWaitMs?: number };
  submit?: Pick<
    SubmitterOptions,
    | "confirmations"
    | "replaceAfterMs"
    | "feeBumpPercent"
    | "reorgDepth"
    | "fromBlock"
    | "maxPerTick"
  >;
  limits?: Partial<GatewayLimits> & {
    maxPayloadBytes?: number;
    minDeadlineMarginSec?: number;
    /**
     * Accepted block-mode records that may wait to be anchored before new submissions get
     * GATEWAY_BUSY (503, Retry-After). Default: 4 blocks' worth, at least 1,000.
     */
    maxBacklog?: number;
  };
  /**
   * The gateway's control token: when set, the C2R routes (`/v1/control/*`: quotas, live
   * settings) answer requests that carry it as a bearer token; when absent they do not exist.
   */
  controlToken?: string;
  /** Pause of the background loops; they are also woken when work arrives. */
  pollMs?: number;
  /** Worker threads recovering signature keys; 0 (default) recovers on the calling thread. */
  signatureWorkers?: number;
  /** false: do not start the batcher and submitter loops (tests drive `tick()` themselves). */
  startLoops?: boolean;
  onEvent?: SubmitterOptions["onEvent"];
  onError?: (error: unknown) => void;
}

export interface Gateway {
  app: OpenAPIHono;
  db: Database;
  blobStore: BlobStore;
  batcher: Batcher;
  submitter: Submitter;
  /** The C2R side: per-source quotas and live settings (also over HTTP with `controlToken`). */
  control: GatewayControl;
  /** Starts the loops (when `startLoops: false` was given). */
  start(): void;
  /** Stops the loops after their current pass; closes the database when the gateway opened it. */
  close(): Promise<void>;
}

const DEFAULT_LIMITS = {
  maxBodyBytes: 1024 * 1024,
  maxBulkBytes: 16 * 1024 * 1024,
  maxBulkItems: 1_000,
  maxPayloadBytes: 512 * 1024,
  minDeadlineMarginSec: 60,
};

/**
 * Composes the representation FE (Y.4561 7.1.1): opens the database (running the
 * `representation-…` migrations, and binding it to this chain and ledger: a database made for
 * another deployment is refused with DEPLOYMENT_MISMATCH), the BlobStore and the chain
 * connection, serves the R2D API, and runs the batcher and the P2R submitter. Everything the
 * gateway promised is in the database, so starting it again on the same database resumes
 * packed-but-unsent blocks and sent-but-unconfirmed transactions where they stopped.
 *
 * @example
 * const gateway = await createGateway({
 *   ledgerAddress, rpcUrl: "http://127.0.0.1:8545", privateKey: process.env.GATEWAY_KEY,
 *   database: { dataDir: "data/gateway" }, blobDir: "data/blobs",
 * });
 * serve({ fetch: gateway.app.fetch, port: 8080 });
 */
export async function createGateway(config: GatewayConfig): Promise<Gateway> {
  // cacheTimeout -1: ethers otherwise reuses "latest" answers for 250 ms, and a suspension must
  // bite from the very next block.
  const provider =
    config.provider ??
    (config.rpcUrl
      ? new HttpJsonRpcProvider(config.rpcUrl, undefined, { cacheTimeout: -1, batchStallTime: 0 })
      : undefined);
  if (!provider) throw new Error("createGateway needs rpcUrl or provider");
  const signer =
    config.signer ?? (config.privateKey ? new Wallet(config.privateKey, provider) : undefined);
  if (!signer) throw new Error("createGateway needs signer or privateKey");

  const chainId = (await provider.getNetwork()).chainId;
  const ownsDb = !config.database || !("query" in config.database);
  const db =
    config.database && "query" in config.database
      ? config.database
      : await openDatabase(config.database ?? {});
  // One gateway per database: block ranges need one outbox writer committing in sequence
  // order, and the submitter's nonces one sender. Claimed before migrating, so two gateways
  // starting together do not migrate side by side either.
  let claim: { release(): Promise<void> } | undefined;
  const deployment = new DeploymentBinding(db, "representation", provider, config.ledgerAddress);
  try {
    // Asked first, so a wrong chain or ledger changes nothing in the database. A node that is
    // down is no reason not to start: the binding then waits for the first contact (below).
    const identity = await readDeploymentIdentity(provider, config.ledgerAddress).catch(
      (error: unknown) => {
        if (isRetryable(error)) return undefined;
        throw error;
      },
    );
    claim = await db.claim("dataledger-gateway");
    await refuseOutdatedOutbox(db);
    await migrate(db, representationMigrations);
    // Before any loop runs: an outbox made for another chain or ledger must not reach this one.
    if (identity) await deployment.bind(identity);
  } catch (error) {
    await claim?.release();
    if (ownsDb) await db.close();
    throw error;
  }
  const blobStore = config.blobStore ?? new DirectoryBlobStore(config.blobDir ?? "data/blobs");

  const reader = DataLedger__factory.connect(config.ledgerAddress, provider);
  const limits = { ...DEFAULT_LIMITS, ...config.limits };
  const pollMs = config.pollMs ?? 200;

  const maxBlockSize = config.batch?.maxBlockSize ?? 256;
  // What an operator changed over C2R wins over these start-up values (GatewayControl).
  const control = await GatewayControl.open(db, {
    maxBlockSize,
    maxWaitMs: config.batch?.maxWaitMs ?? 2_000,
    maxBacklog: config.limits?.maxBacklog ?? Math.max(1_000, 4 * maxBlockSize),
  });
  const batcher = new Batcher({
    db,
    gateway: getAddress(await signer.getAddress()),
    blobStore,
    // Read at every tick: a C2R change applies to the next block.
    get maxBlockSize() {
      return control.live.maxBlockSize;
    },
    get maxWaitMs() {
      return control.live.maxWaitMs;
    },
    onPacked: () => submitLoop.wake(),
  });
  // Block-mode records go from the outbox's commit straight into the batcher's queue.
  const outbox = new OutboxWriter(db, { onStored: (records) => batcher.enqueue(records) });
  const submitter = new Submitter({
    db,
    ledger: DataLedger__factory.connect(config.ledgerAddress, signer),
    signer,
    provider,
    onEvent: config.onEvent,
    ...config.submit,
  });
  const onError = config.onError ?? ((error) => console.error("[representation]", error));
  const batchLoop = new Loop(() => batcher.tick(), { intervalMs: pollMs, onError });
  // Nothing is sent before the database is known to belong to this chain and ledger.
  const submitLoop = new Loop(() => deployment.ensure().then(() => submitter.tick()), {
    intervalMs: pollMs,
    onError,
    // A chain that mines on receipt (a dev node) has the receipt at once; others cost one
    // receipt poll more per transaction. Waiting the full pause added ~pollMs to anchoring.
    pauseAfter: (sent) => ((sent as number) > 0 ? Math.min(pollMs, 20) : undefined),
  });

  const domain = ledgerDomain(chainId, config.ledgerAddress as Address);
  const verifier = createSignatureVerifier(domain, { workers: config.signatureWorkers ?? 0 });
  const app = createGatewayApp({
    db,
    limits,
    c2r: config.controlToken ? { control, token: config.controlToken } : undefined,
    readiness: {
      database: databaseCheck(db),
      chain: chainCheck(provider),
      deployment: deploymentCheck(db, "representation", provider, config.ledgerAddress),
    },
    accept: {
      db,
      outbox,
      blobStore,
      maxPayloadBytes: limits.maxPayloadBytes,
      validation: {
        domain,
        verifier,
        registry: new SourceRegistryCache(reader, provider, {
          anchoredRecords: new AnchoredRecordFilter(),
          fromBlock: config.submit?.fromBlock,
          readBlockNumber:
            provider instanceof HttpJsonRpcProvider
              ? async () => Number(await provider.sendNow("eth_blockNumber", []))
              : undefined,
        }),
        schemas: new FormatSchemaCache({ blobStore, baseDir: config.schemaBaseDir }),
        ledger: reader,
        minDeadlineMarginSec: limits.minDeadlineMarginSec,
      },
      // Block-mode records reach the submitter through the batcher (onPacked); waking it per
      // request had it re-read recent chain blocks a dozen times a second under load.
      quotas: control.quotas,
      onAccepted: ({ block, relayed }) => {
        if (block > 0) batchLoop.wake();
        if (relayed > 0) submitLoop.wake();
      },
      // Until the deployment is confirmed, devices are asked to retry (503 GATEWAY_BUSY,
      // nothing stored) rather than have records accepted for a chain they may not reach.
      isBusy: () => {
        if (!deployment.isBound()) {
          deployment.ensure().catch(() => {});
          return true;
        }
        return batcher.backlog() >= control.live.maxBacklog;
      },
    },
  });

  const start = () => {
    batchLoop.start();
    submitLoop.start();
  };
  if (config.startLoops !== false) start();

  return {
    app,
    db,
    blobStore,
    batcher,
    submitter,
    control,
    start,
    async close() {
      await Promise.all([batchLoop.stop(), submitLoop.stop(), verifier.close()]);
      await claim!.release();
      if (ownsDb) await db.close();
    },
  };
}
