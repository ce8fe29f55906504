import { JsonRpcProvider, Mnemonic } from "ethers";
import { createPublicClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import {
  readDeploymentIdentity,
  type DeploymentIdentity,
} from "../chain/readDeploymentIdentity.js";
import { useFetchForEthers } from "../chain/useFetchForEthers.js";
import { defineIndexerConfig } from "../monitoring/indexer/config.js";
import { Indexer } from "../monitoring/indexer/Indexer.js";
import { IndexM2S } from "../monitoring/m2s/IndexM2S.js";
import { createGateway } from "../representation/createGateway.js";
import { defaultSignatureWorkers } from "../representation/readGatewayConfig.js";
import { ledgerDomain } from "../sdk/ledgerDomain.js";
import { getRecordStatus } from "../sdk/sendRecords.js";
import { verifyReceipt } from "../sdk/verifyReceipt.js";
import { createServiceApp } from "../service/createServiceApp.js";
import { serviceMigrations } from "../service/schema.js";
import { BaseError } from "../shared/BaseError.js";
import { ChainUnavailableError } from "../shared/ChainUnavailableError.js";
import { serveHttp } from "../shared/http/serveHttp.js";
import { DirectoryBlobStore } from "../storage/BlobStore.js";
import { bindDeployment } from "../storage/bindDeployment.js";
import { migrate } from "../storage/migrate.js";
import { openDatabase } from "../storage/openDatabase.js";
import { actorsFromMnemonic, bootstrapLedger } from "./bootstrapLedger.js";
import { CONTROL_TOKEN, DataDirectory } from "./DataDirectory.js";
import { EmbeddedChain } from "./EmbeddedChain.js";
import { simulateDevices } from "./simulateDevices.js";

export interface SystemOptions {
  /** Any EVM JSON-RPC node; absent: the embedded chain, kept in `dataDir/chain`. */
  rpcUrl?: string;
  host: string;
  gatewayPort: number;
  servicePort: number;
  /** Simulated devices of a new system (a restarted one keeps the ones it registered). */
  devices: number;
  intervalMs: number;
  batch: number;
  dataDir: string;
  /** Delete what `dataDir` holds and set the system up again. */
  fresh: boolean;
  /** Stop after this many seconds and exit non-zero unless every accepted record verified. */
  durationSec?: number;
  mnemonic?: string;
  log: (line: string) => void;
}

/**
 * Version of what a data directory holds. 2: records are keyed by `recordIdOf(source, dataHash,
 * sampledAt)`; a version-1 directory has a ledger and outbox keyed by data hash, which this code
 * cannot read (other ABI, other record ids), so it is refused rather than half-resumed.
 */
const SYSTEM_VERSION = 2;

/** What a finished set-up saves in the data directory (`dataledger.json`). */
interface SavedSystem {
  version: typeof SYSTEM_VERSION;
  deployment: DeploymentIdentity;
  accessAddress: Hex;
  deployBlock: number;
  formatId: Hex;
  datasetId: string;
  /** Development keys of the simulated devices (the file is owner-only). */
  deviceKeys: Hex[];
}

/** Thrown when the data directory was set up on another chain than the one it meets now. */
export class SystemMismatchError extends BaseError {
  constructor(dataDir: string, saved: DeploymentIdentity, cause?: unknown) {
    super(
      "DEPLOYMENT_MISMATCH",
      `${dataDir} holds a system deployed at ${saved.ledgerAddress} on chain ${saved.chainId} ` +
        `(genesis ${saved.genesisHash.slice(0, 10)}…), which this node does not have; ` +
        "start the node it was made on, choose another --data-dir, or add --fresh to set up a new system here",
      { details: { dataDir, saved }, cause },
    );
  }
}

/**
 * The whole system on one machine (`npm start`), composed the way a deployment would be: chain,
 * deployment and configuration (O2C/C2P, once per data directory), the representation gateway
 * (R2D), the supervisor's indexer and the service (U2S), and simulated devices. The data users'
 * side verifies every anchored receipt with the SDK against the chain alone.
 *
 * Durable: everything lives in one data directory, the embedded chain included, so a restart
 * (after Ctrl-C or a SIGKILL) continues where the system stopped; the databases refuse a chain
 * or ledger they were not made for (DEPLOYMENT_MISMATCH).
 *
 * Resolves with the process exit code once stopped (by `stop()` or the duration).
 *
 * @example
 * const system = await runSystem({ host: "127.0.0.1", gatewayPort: 8787, servicePort: 8788,
 *   devices: 4, intervalMs: 1000, batch: 5, dataDir: "data", fresh: false, log: console.log });
 * process.on("SIGINT", () => system.stop("SIGINT"));
 * process.exitCode = await system.done;
 */
export async function runSystem(options: SystemOptions): Promise<{
  stop(reason: string): void;
  done: Promise<number>;
}> {
  // On a terminal the live status line is redrawn in place: a log line first clears it.
  const log = process.stdout.isTTY
    ? (line: string) => {
        process.stdout.write("\r\x1b[K");
        options.log(line);
      }
    : options.log;
  const started = Date.now();
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0)) {
      await close().catch((error) => log(`[shutdown] ${describe(error)}`));
    }
  };
  try {
    return await compose();
  } catch (error) {
    await closeAll();
    throw error;
  }

  async function compose() {
    useFetchForEthers();
    // A bad mnemonic or a node that does not answer stops the command before it creates anything.
    if (options.mnemonic !== undefined && !Mnemonic.isValidMnemonic(options.mnemonic)) {
      throw new BaseError("MNEMONIC_INVALID", "DATALEDGER_MNEMONIC is not a valid BIP-39 mnemonic");
    }
    if (options.rpcUrl) await probeNode(options.rpcUrl);
    const data = new DataDirectory(options.dataDir);
    if (options.fresh) {
      log(`[data] --fresh: deleting what ${data.dir} holds`);
      await data.wipe();
    }
    await data.lock();
    closers.push(() => data.unlock());
    let saved = await data.readSystem<SavedSystem>();
    if (saved && saved.version !== SYSTEM_VERSION) {
      throw new BaseError(
        "DATA_DIR_OUTDATED",
        `${data.dir} holds a system set up by an earlier DataLedger (version ${String(saved.version)}, ` +
          `this one is ${SYSTEM_VERSION}: records are now keyed by source, data hash and sampling time); ` +
          "add --fresh to set up a new system there, or choose another --data-dir",
        { details: { dataDir: data.dir, version: saved.version } },
      );
    }

    let rpcUrl = options.rpcUrl;
    let chain: EmbeddedChain | undefined;
    if (!rpcUrl) {
      const chainDir = data.path("chain");
      // A chain snapshot without a finished set-up is from a run killed while setting up: the
      // half-configured deployment on it is of no use, so that chain starts over.
      if (!saved && EmbeddedChain.hasState(chainDir)) {
        await data.wipe();
        await data.lock();
      }
      log(
        EmbeddedChain.hasState(chainDir)
          ? `[chain] restoring the embedded chain from ${chainDir}`
          : "[chain] starting a new embedded chain (Anvil)",
      );
      chain = await EmbeddedChain.start({ dir: chainDir });
      const embedded = chain;
      closers.unshift(() => embedded.stop());
      rpcUrl = chain.rpcUrl;
    }

    const provider = new JsonRpcProvider(rpcUrl, undefined, {
      cacheTimeout: -1,
      polling: true,
      pollingInterval: 250,
    });
    closers.unshift(async () => provider.destroy());
    const actors = actorsFromMnemonic(provider, options.mnemonic);
    const blobStore = new DirectoryBlobStore(data.path("blobs"));

    let identity: DeploymentIdentity;
    if (saved) {
      try {
        identity = await readDeploymentIdentity(provider, saved.deployment.ledgerAddress);
      } catch (error) {
        if (error instanceof BaseError && error.code === "LEDGER_NOT_DEPLOYED") {
          throw new SystemMismatchError(data.dir, saved.deployment, error);
        }
        throw error;
      }
      if (
        identity.chainId !== saved.deployment.chainId ||
        identity.genesisHash !== saved.deployment.genesisHash
      ) {
        throw new SystemMismatchError(data.dir, saved.deployment);
      }
      log(`[setup] resuming the system deployed at ${identity.ledgerAddress}`);
    } else {
      log(
        `[setup] deploying the suite and configuring it: roles, a format, ${options.devices} device sources, a dataset, a grant`,
      );
      const boot = await bootstrapLedger({ actors, blobStore, devices: options.devices });
      identity = await readDeploymentIdentity(provider, boot.ledgerAddress);
      saved = {
        version: SYSTEM_VERSION,
        deployment: identity,
        accessAddress: boot.accessAddress,
        deployBlock: boot.deployBlock,
        formatId: boot.formatId,
        datasetId: boot.datasetId.toString(),
        deviceKeys: boot.deviceKeys,
      };
      // The chain first: a saved system must never name a deployment the snapshot lacks.
      await chain?.snapshot();
      await data.writeSystem(saved);
    }
    const system = saved;
    const ledgerAddress = identity.ledgerAddress as Hex;
    const chainId = BigInt(identity.chainId);

    log("[gateway] opening the outbox and starting the batcher and submitter");
    const controlToken = await data.controlToken();
    const gateway = await createGateway({
      ledgerAddress,
      rpcUrl,
      signer: actors.gateway,
      database: { dataDir: process.env.DATABASE_URL ? undefined : data.path("gateway-db") },
      blobStore,
      batch: { maxBlockSize: 256, maxWaitMs: 1_000 },
      submit: { confirmations: 1, fromBlock: system.deployBlock },
      signatureWorkers: defaultSignatureWorkers(),
      controlToken,
      onError: (error) => log(`[representation] ${describe(error)}`),
      onEvent: (event, details) => {
        if (event === "rewound") {
          const { from, to, orphanedTransactions } = details as Record<string, unknown>;
          log(
            `[representation] rewound: the chain is back at block ${to} after ${from} (a restored ` +
              `snapshot or a reorg); anchoring again what it lost (${orphanedTransactions} transactions)`,
          );
        } else if (NOTABLE_SUBMITTER_EVENTS.has(event)) {
          log(`[representation] ${event} ${JSON.stringify(details, jsonBigInt)}`);
        }
      },
    });
    closers.unshift(() => gateway.close());

    log("[service] opening the index and the service database");
    const serviceDb = await openDatabase({
      dataDir: process.env.DATABASE_URL ? undefined : data.path("service-db"),
    });
    closers.unshift(() => serviceDb.close());
    await bindDeployment(serviceDb, "service", identity);
    const indexer = new Indexer({
      config: defineIndexerConfig({
        chainId,
        contracts: {
          ledger: { address: ledgerAddress, startBlock: system.deployBlock },
          access: { address: system.accessAddress, startBlock: system.deployBlock },
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
    indexer.start((error) => log(`[monitoring] ${describe(error)}`));
    closers.unshift(() => indexer.stop());

    const { host } = options;
    const gatewayHttp = await serveHttp({
      fetch: gateway.app.fetch,
      hostname: host,
      port: options.gatewayPort,
    });
    closers.unshift(() => gatewayHttp.close());
    const serviceApp = createServiceApp({
      db: serviceDb,
      m2s: new IndexM2S(serviceDb),
      blobs: blobStore,
      provider,
      ledgerAddress,
      accessAddress: system.accessAddress,
      siwe: {
        domain: `${host}:${options.servicePort}`,
        uri: `http://${host}:${options.servicePort}`,
        chainId: Number(chainId),
      },
      // O2C on the service: C2R forwards reach the gateway with its control token, which the
      // operator's browser or wallet never sees.
      control: {
        gateway: { gatewayUrl: gatewayHttp.url, token: controlToken },
        gatewayAddress: actors.gateway.address,
        fromBlock: system.deployBlock,
      },
    });
    const serviceHttp = await serveHttp({
      fetch: serviceApp.fetch,
      hostname: host,
      port: options.servicePort,
    });
    closers.unshift(() => serviceHttp.close());

    const devices = system.deviceKeys.map((key) => privateKeyToAccount(key));
    log(`DataLedger on chain ${chainId} (${chain ? "embedded, " : ""}${rpcUrl})
  ledger          ${ledgerAddress}
  access registry ${system.accessAddress}
  gateway (R2D)   ${gatewayHttp.url}   API page ${gatewayHttp.url}/docs
  control (C2R)   ${gatewayHttp.url}/v1/control   token in ${data.path(CONTROL_TOKEN)}
  service (U2S)   ${serviceHttp.url}   API page ${serviceHttp.url}/docs
  control (O2C)   ${serviceHttp.url}/v1/o2c   SIWE session of an operator; plans to sign, relay
  data            ${data.dir}
  ${devices.length} devices sending ${options.batch} readings every ${options.intervalMs} ms; Ctrl-C stops`);

    const sim = simulateDevices({
      devices,
      domain: ledgerDomain(chainId, ledgerAddress),
      rpcUrl,
      formatId: system.formatId,
      gatewayUrl: gatewayHttp.url,
      intervalMs: options.intervalMs,
      batch: options.batch,
      onError: (error) => log(`[device] ${describe(error)}`),
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
            await verifyReceipt({ payload, receipt, publicClient, ledgerAddress });
            verified++;
            lastVerifiedPayload = payload;
            if (verified === 1) {
              log(
                `[verify] first record verified against the chain: ${recordId} in block ${receipt.blockNumber}, ` +
                  `${((Date.now() - started) / 1000).toFixed(1)} s after the system started ` +
                  `(${process.uptime().toFixed(1)} s after the launcher did, build included)`,
              );
            }
          } catch (error) {
            failed++;
            log(`[verify] ${recordId}: ${describe(error)}`);
          }
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    const tty = process.stdout.isTTY;
    const status = () =>
      `accepted ${sim.accepted}  anchored ${anchored}  verified ${verified}  rejected ${sim.rejected}  failed verification ${failed}`;
    const ticker = setInterval(
      () => (tty ? process.stdout.write(`\r${status()}   `) : log(status())),
      tty ? 500 : 5_000,
    );

    // U2S fingerprint verification of a payload the SDK verified: the service's index (M2P)
    // must know it too. Waits briefly for the indexer to catch up.
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

    let resolveDone!: (code: number) => void;
    const done = new Promise<number>((resolve) => (resolveDone = resolve));
    let stopping = false;
    const stop = (reason: string) => {
      if (stopping) return;
      stopping = true;
      void (async () => {
        clearInterval(ticker);
        await sim.stop();
        // Give the last accepted records a moment to anchor and verify before shutting down.
        const until = Date.now() + (reason === "duration" ? 15_000 : 0);
        while (sim.pending.size > 0 && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 250));
        }
        verifying = false;
        await verifierLoop;
        if (tty) process.stdout.write("\n");
        log(`stopped (${reason}): ${status()}`);
        const serviceSaysRecorded = await askServiceToVerify(lastVerifiedPayload);
        log(
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
        await closeAll();
        const incomplete = verified === 0 || sim.pending.size > 0 || serviceSaysRecorded !== true;
        resolveDone(failed > 0 || (reason === "duration" && incomplete) ? 1 : 0);
      })();
    };
    if (options.durationSec !== undefined) {
      setTimeout(() => stop("duration"), options.durationSec * 1000).unref();
    }
    return { stop, done };
  }
}

// What an operator should see besides rewinds; a rewind's per-transaction "reorged" events and
// the routine submitted/anchored ones would drown it.
const NOTABLE_SUBMITTER_EVENTS = new Set(["failed", "replaced", "nonce-gap"]);

function jsonBigInt(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** Asks a node given by URL for its chain id: a one-line CHAIN_UNAVAILABLE if it does not answer. */
async function probeNode(rpcUrl: string): Promise<void> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { result?: unknown };
    if (typeof body.result !== "string") throw new Error(`answered ${JSON.stringify(body)}`);
  } catch (cause) {
    throw new ChainUnavailableError(cause, `No JSON-RPC node answers at ${rpcUrl} (--rpc-url)`);
  }
}

function describe(error: unknown): string {
  if (error instanceof BaseError) return `${error.code}: ${error.shortMessage}`;
  return (error as Error)?.message ?? String(error);
}
