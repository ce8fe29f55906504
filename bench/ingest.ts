/**
 * Ingest benchmark: how many device-signed records per second the representation gateway accepts
 * and anchors, sustained, and how long a record waits for "accepted" and for "anchored", next to
 * the machine's ceiling for the signature checks that every record costs. Starts `hardhat node`
 * as the chain, deploys and configures the suite with `bootstrapLedger`, runs the gateway as its
 * own process (as in production, `offchain/representation/main.ts`), and drives it at full rate
 * from simulated devices in worker threads that pre-sign records and send them in bulk.
 * Writes bench/results/ingest.json; the figures vary from run to run and with the machine's load.
 *
 * Run: npm run bench:ingest -- [--duration 60] [--profile]   (--help lists every option)
 *
 * `--confidential` measures twice in one invocation, each on a fresh chain and gateway: plaintext
 * records, then the same readings sealed on the devices (`sealPayload`) under a FORMAT_CONFIDENTIAL
 * format, and writes both with their ratio to bench/results/ingest-confidential.json.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";

import { JsonRpcProvider } from "ethers";
import pg from "pg";
import type { Hex } from "viem";

import { ledgerDomain } from "../offchain/sdk/ledgerDomain.js";
import { createReaderKey } from "../offchain/sdk/readerKey.js";
import { getRecordStatus } from "../offchain/sdk/sendRecords.js";
import { actorsFromMnemonic, bootstrapLedger } from "../offchain/system/bootstrapLedger.js";
import { DirectoryBlobStore } from "../offchain/storage/BlobStore.js";
import { DataLedger__factory } from "../types/ethers-contracts/index.js";
import { ChildProcesses } from "./ingest/ChildProcesses.js";
import { epochMs } from "./ingest/clock.js";
import type {
  DeviceWorkerCommand,
  DeviceWorkerData,
  DeviceWorkerMessage,
  RequestStat,
} from "./ingest/deviceWorker.js";
import { formatIngestTable, type IngestRow } from "./ingest/formatIngestTable.js";
import { measureRecoveryCeiling } from "./ingest/measureRecoveryCeiling.js";
import { percentile } from "./ingest/percentile.js";
import {
  machineCpuTicks,
  machineInfo,
  postgresCpuSeconds,
  processCpuSeconds,
  processRssBytes,
} from "./ingest/procStats.js";
import { registerDevices } from "./ingest/registerDevices.js";
import { startGateway } from "./ingest/startGateway.js";
import { startHardhatNode } from "./ingest/startHardhatNode.js";
import { summarizeCpuProfile } from "./ingest/summarizeCpuProfile.js";

const GOALS = { recordsPerSecond: 10_000, p99AcceptedMs: 50, p99AnchoredMs: 3_000 };
/** Peers for scale, printed as reference lines. */
const EAS_MULTIATTEST_GAS_PER_RECORD = 235_000;
const BLOCK_GAS = 30_000_000;
const CHAINPOINT = { hashesPerRequest: 1_000, aggregationWindowS: 60 };

const OPTIONS = {
  duration: { type: "string", default: "60" },
  warmup: { type: "string", default: "5" },
  workers: { type: "string", default: "2" },
  "devices-per-worker": { type: "string", default: "4" },
  batch: { type: "string", default: "500" },
  "in-flight": { type: "string", default: "2" },
  rate: { type: "string" },
  presign: { type: "string", default: "800000" },
  "presign-budget": { type: "string", default: "60" },
  "max-block-size": { type: "string", default: "4096" },
  "max-wait-ms": { type: "string", default: "1000" },
  "signature-workers": { type: "string" },
  "max-backlog": { type: "string" },
  "database-url": { type: "string" },
  out: { type: "string" },
  drain: { type: "string", default: "30" },
  "ceiling-ms": { type: "string", default: "3000" },
  profile: { type: "boolean", default: false },
  confidential: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;
const { values: opts } = parseArgs({ options: OPTIONS });
if (opts.help) {
  console.log(`Usage: npm run bench:ingest -- [options]
  --duration <s>            measured window (default 60)
  --warmup <s>              load before the window opens (default 5)
  --workers <n>             device worker threads (default 2)
  --devices-per-worker <n>  device keys per worker (default 4)
  --batch <n>               records per bulk request (default 500)
  --in-flight <n>           bulk requests in flight per worker (default 2); with --rate, the
                            most a worker has in flight
  --rate <records/s>        open loop: offer this many records a second in all, a bulk at a
                            time on a fixed schedule, and count latency from each bulk's slot
                            (default: closed loop, each request sent when one is answered)
  --presign <n>             records signed before the clock starts, all workers (default 800000)
  --presign-budget <s>      longest pre-signing phase (default 60)
  --max-block-size <n>      gateway data block size (default 4096)
  --max-wait-ms <ms>        gateway batching window (default 1000)
  --signature-workers <n>   gateway key-recovery threads (default: the gateway's, cores - 1)
  --max-backlog <n>         records waiting to be anchored before the gateway answers
                            GATEWAY_BUSY (default: the gateway's, 4 blocks' worth)
  --database-url <url>      run the gateway on this PostgreSQL server (a fresh database is
                            created and dropped) instead of PGlite; results go to
                            bench/results/ingest-postgres.json
  --out <file>              results file name under bench/results (default ingest.json, or
                            ingest-postgres.json with --database-url)
  --drain <s>               wait for accepted records to anchor after the load (default 30)
  --ceiling-ms <ms>         per implementation, secp256k1 recovery ceiling (default 3000)
  --profile                 run the gateway with --cpu-prof and summarise where it spent CPU
  --confidential            measure plaintext, then sealed payloads (FORMAT_CONFIDENTIAL), each
                            on a fresh chain and gateway; results in
                            bench/results/ingest-confidential.json (or --out)`);
  process.exit(0);
}
const num = (name: keyof typeof OPTIONS): number => {
  const n = Number(opts[name]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number`);
    process.exit(2);
  }
  return n;
};
const config = {
  durationS: num("duration"),
  warmupS: num("warmup"),
  workers: Math.max(1, Math.floor(num("workers"))),
  devicesPerWorker: Math.max(1, Math.floor(num("devices-per-worker"))),
  batch: Math.max(1, Math.floor(num("batch"))),
  inFlightPerWorker: Math.max(1, Math.floor(num("in-flight"))),
  ratePerSecond: opts.rate === undefined ? undefined : Math.max(1, num("rate")),
  presign: Math.floor(num("presign")),
  presignBudgetS: num("presign-budget"),
  maxBlockSize: Math.floor(num("max-block-size")),
  maxWaitMs: Math.floor(num("max-wait-ms")),
  drainS: num("drain"),
  ceilingMs: num("ceiling-ms"),
  profile: opts.profile === true,
  confidential: opts.confidential === true,
  signatureWorkers:
    opts["signature-workers"] === undefined ? undefined : Math.floor(num("signature-workers")),
  databaseUrl: opts["database-url"],
  maxBacklog: opts["max-backlog"] === undefined ? undefined : Math.floor(num("max-backlog")),
  out: opts.out,
};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const children = new ChildProcesses();
const workers = new Set<Worker>();
const track = (worker: Worker) => {
  workers.add(worker);
  worker.once("exit", () => workers.delete(worker));
};
const dropDatabases: (() => Promise<void>)[] = [];
const cleanup = async () => {
  await Promise.all([...workers].map((w) => w.terminate()));
  await children.stopAll();
  for (const drop of dropDatabases.splice(0)) await drop().catch(() => {});
};
process.once("exit", () => children.killAllNow());
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** FORMAT_CONFIDENTIAL in contracts/types/DataLedgerTypes.sol. */
const FORMAT_CONFIDENTIAL = 2;
type Variant = "plain" | "confidential";

const tmp = await mkdtemp(path.join(os.tmpdir(), "dataledger-ingest-"));
try {
  if (!config.confidential) {
    await writeResults(
      (await run("plain")).results,
      config.databaseUrl ? "ingest-postgres.json" : "ingest.json",
    );
  } else {
    const plain = await run("plain");
    await children.stopAll();
    const confidential = await run("confidential");
    const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : null);
    const perCore = (f: typeof plain.figures) =>
      f.gatewayCpuCores > 0 ? round(f.acceptedPerSecond / f.gatewayCpuCores, 1) : null;
    const comparison = {
      acceptedPerSecond: {
        plain: plain.figures.acceptedPerSecond,
        confidential: confidential.figures.acceptedPerSecond,
        confidentialOverPlain: ratio(
          confidential.figures.acceptedPerSecond,
          plain.figures.acceptedPerSecond,
        ),
      },
      anchoredPerSecond: {
        plain: plain.figures.anchoredPerSecond,
        confidential: confidential.figures.anchoredPerSecond,
        confidentialOverPlain: ratio(
          confidential.figures.anchoredPerSecond,
          plain.figures.anchoredPerSecond,
        ),
      },
      acceptedPerGatewayCore: {
        plain: perCore(plain.figures),
        confidential: perCore(confidential.figures),
      },
      acceptedP99Ms: {
        plain: plain.figures.acceptedP99Ms,
        confidential: confidential.figures.acceptedP99Ms,
      },
      payloadBytes: {
        plain: plain.figures.payloadBytes,
        confidential: confidential.figures.payloadBytes,
      },
      // Device side: records built, (sealed,) signed and serialised per second per worker thread.
      devicePreparedPerSecondPerWorker: {
        plain: plain.figures.presignedPerSecondPerWorker,
        confidential: confidential.figures.presignedPerSecondPerWorker,
      },
    };
    console.log("\nplaintext vs sealed payloads, one invocation:");
    console.log(JSON.stringify(comparison, null, 2));
    await writeResults(
      { comparison, plain: plain.results, confidential: confidential.results },
      "ingest-confidential.json",
    );
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
  await rm(tmp, { recursive: true, force: true });
}

async function writeResults(results: unknown, defaultName: string): Promise<void> {
  const outFile = path.join(root, "bench", "results", path.basename(config.out ?? defaultName));
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(root, outFile)}`);
}

async function run(variant: Variant) {
  console.log(`\n=== ${variant} payloads ===`);
  // Each variant on its own chain, database and blobs: a database is bound to its chain.
  await mkdir(path.join(tmp, variant), { recursive: true });
  const loadBefore = os.loadavg();
  console.log(
    `machine: ${os.availableParallelism()} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`,
  );
  console.log(`secp256k1 recovery ceiling, ${config.ceilingMs} ms per implementation…`);
  const ceilings = await measureRecoveryCeiling({ durationMs: config.ceilingMs, track });

  console.log("starting hardhat node, deploying the suite…");
  const chain = await startHardhatNode(children, root);
  const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { cacheTimeout: -1 });
  const chainId = (await provider.getNetwork()).chainId;
  const actors = actorsFromMnemonic(provider);
  const blobDir = path.join(tmp, variant, "blobs");
  const boot = await bootstrapLedger({
    actors,
    blobStore: new DirectoryBlobStore(blobDir),
    devices: 1,
    schemaPath: path.join(root, "config", "formats", "air-quality.schema.json"),
  });
  // A sealed variant of the same format: its own schema document (hence id) and the flag.
  let formatId = boot.formatId;
  if (variant === "confidential") {
    const schema = JSON.parse(
      await readFile(path.join(root, "config", "formats", "air-quality.schema.json"), "utf8"),
    ) as Record<string, unknown>;
    const bytes = new TextEncoder().encode(
      JSON.stringify({ ...schema, title: `${String(schema.title)} (sealed)` }),
    );
    formatId = (await new DirectoryBlobStore(blobDir).put(bytes)) as Hex;
    await (
      await DataLedger__factory.connect(boot.ledgerAddress, actors.operator).registerFormat(
        formatId,
        "air-quality-sealed",
        "1.0.0",
        `blob:${formatId}`,
        FORMAT_CONFIDENTIAL,
      )
    ).wait();
  }
  // The dataset's reader and the operator: two key wraps per record, as a device would make.
  const readerKeys =
    variant === "confidential"
      ? [createReaderKey().publicKey, createReaderKey().publicKey]
      : undefined;
  const deviceKeys = await registerDevices(
    actors.operator,
    boot.ledgerAddress,
    formatId,
    config.workers * config.devicesPerWorker,
  );

  const databaseUrl = config.databaseUrl ? await freshDatabase(config.databaseUrl) : undefined;
  const profileDir = path.join(tmp, variant, "profile");
  const gateway = await startGateway(children, {
    root,
    rpcUrl: chain.rpcUrl,
    ledgerAddress: boot.ledgerAddress,
    gatewayPrivateKey: actors.gateway.privateKey,
    dataDir: path.join(tmp, variant, "gateway-db"),
    blobDir,
    maxBlockSize: config.maxBlockSize,
    maxWaitMs: config.maxWaitMs,
    signatureWorkers: config.signatureWorkers,
    maxBacklog: config.maxBacklog,
    databaseUrl,
    nodeArgs: config.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  });
  console.log(`gateway ${gateway.url} (pid ${gateway.pid}), chain ${chain.rpcUrl}`);

  // --- devices ----------------------------------------------------------------------------------
  const domain = ledgerDomain(chainId, boot.ledgerAddress);
  const stats: RequestStat[] = [];
  let presigned = 0;
  let presignMsTotal = 0;
  let payloadBytes = 0;
  let signedDuringRun = 0;
  const ready: Promise<void>[] = [];
  const done: Promise<void>[] = [];
  const deviceWorkers: Worker[] = [];
  console.log(
    `pre-signing up to ${config.presign} records in ${config.workers} workers (≤ ${config.presignBudgetS} s)…`,
  );
  const presignStart = Date.now();
  for (let w = 0; w < config.workers; w++) {
    const worker = new Worker(new URL("./ingest/deviceWorker.ts", import.meta.url), {
      workerData: {
        workerIndex: w,
        gatewayUrl: gateway.url,
        deviceKeys: deviceKeys.slice(
          w * config.devicesPerWorker,
          (w + 1) * config.devicesPerWorker,
        ),
        domain,
        formatId,
        readerKeys,
        batch: config.batch,
        inFlight: config.inFlightPerWorker,
        rate: config.ratePerSecond && config.ratePerSecond / config.workers,
        presign: Math.ceil(config.presign / config.workers),
        presignBudgetMs: config.presignBudgetS * 1000,
      } satisfies DeviceWorkerData,
    });
    track(worker);
    deviceWorkers.push(worker);
    let onReady!: () => void;
    let onDone!: () => void;
    ready.push(new Promise((resolve) => (onReady = resolve)));
    done.push(new Promise((resolve) => (onDone = resolve)));
    worker.on("message", (message: DeviceWorkerMessage) => {
      if (message.type === "ready") {
        presigned += message.presigned;
        presignMsTotal += message.presignMs;
        payloadBytes = message.payloadBytes ?? payloadBytes;
        onReady();
      } else if (message.type === "request") {
        stats.push(message.stat);
      } else {
        signedDuringRun += message.signedDuringRun;
        onDone();
      }
    });
    worker.once("error", (error) => {
      console.error(`device worker ${w}:`, error);
      onReady();
      onDone();
    });
  }
  await Promise.all(ready);
  console.log(
    `pre-signed ${presigned} records in ${((Date.now() - presignStart) / 1000).toFixed(1)} s`,
  );

  // --- the run ----------------------------------------------------------------------------------
  const startAt = epochMs();
  const measureFrom = startAt + config.warmupS * 1000;
  const endAt = measureFrom + config.durationS * 1000;
  for (const worker of deviceWorkers) {
    worker.postMessage({ type: "start", endAt } satisfies DeviceWorkerCommand);
  }
  console.log(
    `load: ${loadShape()}, ${config.warmupS} s warm-up + ${config.durationS} s measured…`,
  );

  const snapshot = () => ({
    at: epochMs(),
    gatewayCpuS: processCpuSeconds(gateway.pid),
    chainCpuS: processCpuSeconds(chain.pid),
    benchCpuS: processCpuSeconds(process.pid),
    databaseCpuS: postgresCpuSeconds(),
    machine: machineCpuTicks(),
  });
  let first: ReturnType<typeof snapshot> | undefined;
  let last: ReturnType<typeof snapshot> | undefined;
  const rss: number[] = [];
  let loadAtEnd = os.loadavg();
  const sampler = setInterval(() => {
    const now = epochMs();
    if (now >= measureFrom && !first) first = snapshot();
    if (now >= measureFrom && now <= endAt) rss.push(processRssBytes(gateway.pid));
    if (now >= endAt && !last) {
      last = snapshot();
      loadAtEnd = os.loadavg();
    }
  }, 100);

  // Follow one accepted record per request to its data block; the gateway's own "anchored" event
  // for that block (seen on its stdout) says when the record was anchored.
  const blockIdOf = new Map<Hex, Hex | null>();
  let followed = 0;
  let following = true;
  const follower = (async () => {
    while (following) {
      for (; followed < stats.length; followed++) {
        const sample = stats[followed].sample;
        if (sample) blockIdOf.set(sample, null);
      }
      const open = [...blockIdOf].filter(([, r]) => r === null).map(([id]) => id);
      for (let i = 0; i < open.length && following; i += 16) {
        await Promise.all(
          open.slice(i, i + 16).map(async (id) => {
            const state = await getRecordStatus(gateway.url, id, { attempts: 1 }).catch(
              () => undefined,
            );
            // The gateway's "anchored" events name a block by its id, dataBlockIdOf(gateway,
            // root), so the sample is followed to that id, not to the root.
            if (state && "blockId" in state && state.blockId)
              blockIdOf.set(id, state.blockId as Hex);
            else if (state?.receipt?.blockId) blockIdOf.set(id, state.receipt.blockId);
          }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  await Promise.all(done);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, endAt + 200 - epochMs())));
  last ??= snapshot();
  clearInterval(sampler);

  // --- drain: every accepted record anchored? --------------------------------------------------
  const ledger = DataLedger__factory.connect(boot.ledgerAddress, provider);
  const acceptedTotal = stats.reduce((sum, s) => sum + s.accepted, 0);
  const countOf = new Map<string, number>();
  const readBlocks = async () => {
    const logs = await ledger.queryFilter(ledger.filters.DataBlockAnchored(), boot.deployBlock);
    for (const log of logs) countOf.set(log.args.blockId.toLowerCase(), Number(log.args.count));
    return [...countOf.values()].reduce((sum, n) => sum + n, 0);
  };
  const drainStart = epochMs();
  let anchoredTotal = await readBlocks();
  while (anchoredTotal < acceptedTotal && epochMs() - drainStart < config.drainS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    anchoredTotal = await readBlocks();
  }
  const drainMs = epochMs() - drainStart;
  // Let the follower resolve the last samples' roots.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  following = false;
  await follower;
  await readBlocks();

  // --- figures ----------------------------------------------------------------------------------
  const windowS = (endAt - measureFrom) / 1000;
  const inWindow = stats.filter((s) => s.doneAt >= measureFrom && s.doneAt <= endAt);
  const acceptedInWindow = inWindow.reduce((sum, s) => sum + s.accepted, 0);
  const rejectedInWindow = inWindow.reduce((sum, s) => sum + s.rejected, 0);
  // Requests the gateway turned away whole (GATEWAY_BUSY) and the devices sent again.
  const deferredInWindow = inWindow.filter((s) => s.deferred).length;
  const rejections: Record<string, number> = {};
  for (const s of stats) {
    for (const [code, n] of Object.entries(s.errors))
      rejections[code] = (rejections[code] ?? 0) + n;
  }
  let anchoredInWindow = 0;
  for (const [anchoredBlockId, seenAt] of gateway.anchoredAt) {
    if (seenAt >= measureFrom && seenAt <= endAt)
      anchoredInWindow += countOf.get(anchoredBlockId) ?? 0;
  }
  const acceptLatencies = inWindow
    .filter((s) => s.accepted > 0)
    .map((s) => ({ value: s.doneAt - s.sentAt, weight: s.records }));
  const anchorLatencies: { value: number }[] = [];
  let unanchoredSamples = 0;
  for (const s of inWindow) {
    if (!s.sample) continue;
    const sampleBlockId = blockIdOf.get(s.sample);
    const seenAt = sampleBlockId ? gateway.anchoredAt.get(sampleBlockId.toLowerCase()) : undefined;
    if (seenAt === undefined) {
      unanchoredSamples++;
      anchorLatencies.push({ value: Infinity });
    } else {
      anchorLatencies.push({ value: Math.max(0, seenAt - s.doneAt) });
    }
  }
  // Where the anchoring wait goes, per data block anchored in the window: from its transaction's
  // broadcast ("submitted") to the gateway seeing its receipt ("anchored").
  const confirmWaits: { value: number }[] = [];
  for (const [anchoredBlockId, seenAt] of gateway.anchoredAt) {
    const submittedAt = gateway.submittedAt.get(anchoredBlockId);
    if (submittedAt !== undefined && seenAt >= measureFrom && seenAt <= endAt) {
      confirmWaits.push({ value: seenAt - submittedAt });
    }
  }
  const cpu = (key: "gatewayCpuS" | "chainCpuS" | "benchCpuS" | "databaseCpuS") =>
    first && last ? (last[key] - first[key]) / ((last.at - first.at) / 1000) : NaN;
  const machineBusy =
    first && last
      ? (last.machine.busy - first.machine.busy) / (last.machine.total - first.machine.total)
      : NaN;

  const figures = {
    acceptedPerSecond: round(acceptedInWindow / windowS, 1),
    anchoredPerSecond: round(anchoredInWindow / windowS, 1),
    acceptedP50Ms: round(percentile(acceptLatencies, 50), 1),
    acceptedP99Ms: round(percentile(acceptLatencies, 99), 1),
    anchoredP50Ms: finiteOrNull(round(percentile(anchorLatencies, 50), 1)),
    anchoredP99Ms: finiteOrNull(round(percentile(anchorLatencies, 99), 1)),
    anchoredSamples: anchorLatencies.length,
    blockSubmittedToAnchoredP50Ms: finiteOrNull(round(percentile(confirmWaits, 50), 1)),
    blockSubmittedToAnchoredP99Ms: finiteOrNull(round(percentile(confirmWaits, 99), 1)),
    unanchoredSamples,
    acceptedInWindow,
    rejectedInWindow,
    deferredRequestsInWindow: deferredInWindow,
    rejections,
    acceptedTotal,
    anchoredTotal,
    drainMs: round(drainMs, 0),
    requestsInWindow: inWindow.length,
    gatewayCpuCores: round(cpu("gatewayCpuS"), 3),
    chainCpuCores: round(cpu("chainCpuS"), 3),
    benchCpuCores: round(cpu("benchCpuS"), 3),
    databaseCpuCores: config.databaseUrl ? round(cpu("databaseCpuS"), 3) : null,
    machineCpuBusy: round(machineBusy, 3),
    loadAverageBefore: loadBefore.map((l) => round(l, 2)),
    loadAverageAtEnd: loadAtEnd.map((l) => round(l, 2)),
    gatewayRssPeakMiB: round(Math.max(0, ...rss) / 2 ** 20, 1),
    gatewayRssEndMiB: round((rss.at(-1) ?? 0) / 2 ** 20, 1),
    gatewayErrors: Object.fromEntries(gateway.errors),
    presigned,
    signedDuringRun,
    variant,
    /** Canonical payload bytes of one record (an envelope when sealed). */
    payloadBytes,
    presignedPerSecondPerWorker: round(presigned / Math.max(presignMsTotal / 1000, 1e-9), 1),
  };

  const ours4096 = await gasPerRecordAt(4096);
  const cores = os.availableParallelism();
  const ms = (v: number | null) => (v === null ? "never (not anchored)" : `${fmt(v)} ms`);
  const rows: IngestRow[] = [
    { metric: "-- throughput", measured: "", goal: "", verdict: "" },
    {
      metric: "records/s accepted (sustained)",
      measured: fmt(figures.acceptedPerSecond),
      goal: `≥ ${fmt(GOALS.recordsPerSecond)}`,
      verdict: verdict(figures.acceptedPerSecond >= GOALS.recordsPerSecond),
    },
    {
      metric: "records/s anchored (sustained)",
      measured: fmt(figures.anchoredPerSecond),
      goal: `≥ ${fmt(GOALS.recordsPerSecond)}`,
      verdict: verdict(figures.anchoredPerSecond >= GOALS.recordsPerSecond),
    },
    {
      metric: "records rejected in window",
      measured: fmt(rejectedInWindow),
      goal: Object.entries(rejections)
        .map(([c, n]) => `${c} ${n}`)
        .join(", "),
      verdict: "",
    },
    {
      metric: "requests deferred in window",
      measured: fmt(deferredInWindow),
      goal: `503 GATEWAY_BUSY (backlog full), resent ${config.ratePerSecond ? "in the next slot" : "after 100 ms"}`,
      verdict: "",
    },
    {
      metric: "drain: all accepted anchored",
      measured: `${fmt(anchoredTotal)}/${fmt(acceptedTotal)}`,
      goal: `${fmt(drainMs / 1000)} s after the load stopped`,
      verdict: "",
    },
    { metric: "-- latency per record", measured: "", goal: "", verdict: "" },
    {
      metric: "to accepted p50",
      measured: ms(figures.acceptedP50Ms),
      goal: loadShape(),
      verdict: "",
    },
    {
      metric: "to accepted p99",
      measured: ms(figures.acceptedP99Ms),
      goal: `≤ ${GOALS.p99AcceptedMs} ms`,
      verdict: verdict(figures.acceptedP99Ms <= GOALS.p99AcceptedMs),
    },
    {
      metric: "accepted → anchored p50",
      measured: ms(figures.anchoredP50Ms),
      goal: `${figures.anchoredSamples} sampled records`,
      verdict: "",
    },
    {
      metric: "accepted → anchored p99",
      measured: ms(figures.anchoredP99Ms),
      goal: `≤ ${fmt(GOALS.p99AnchoredMs)} ms`,
      verdict: verdict(
        figures.anchoredP99Ms !== null && figures.anchoredP99Ms <= GOALS.p99AnchoredMs,
      ),
    },
    {
      metric: "of which block tx → receipt p50",
      measured: ms(figures.blockSubmittedToAnchoredP50Ms),
      goal: `p99 ${ms(figures.blockSubmittedToAnchoredP99Ms)}; broadcast to the gateway seeing it mined`,
      verdict: "",
    },
    { metric: "-- resources (measured window)", measured: "", goal: "", verdict: "" },
    {
      metric: "gateway CPU",
      measured: `${fmt(figures.gatewayCpuCores, 2)} cores`,
      goal: `of ${cores}; user+sys from /proc/${gateway.pid}/stat`,
      verdict: "",
    },
    {
      metric: "hardhat node CPU",
      measured: `${fmt(figures.chainCpuCores, 2)} cores`,
      goal: "the chain, on the same machine",
      verdict: "",
    },
    {
      metric: "devices (bench process) CPU",
      measured: `${fmt(figures.benchCpuCores, 2)} cores`,
      goal: `${fmt(signedDuringRun)} records signed during the run`,
      verdict: "",
    },
    ...(figures.databaseCpuCores === null
      ? []
      : ([
          {
            metric: "PostgreSQL server CPU",
            measured: `${fmt(figures.databaseCpuCores, 2)} cores`,
            goal: "all postgres processes here (0 if the server is elsewhere)",
            verdict: "",
          },
        ] satisfies IngestRow[])),
    {
      metric: "machine CPU busy / load avg",
      measured: `${fmt(machineBusy * 100, 0)} %`,
      goal: `load ${figures.loadAverageBefore[0]} before, ${figures.loadAverageAtEnd[0]} at end (other jobs included)`,
      verdict: "",
    },
    {
      metric: "gateway RSS peak / end",
      measured: `${fmt(figures.gatewayRssPeakMiB)} MiB`,
      goal: `${fmt(figures.gatewayRssEndMiB)} MiB at end`,
      verdict: "",
    },
    { metric: "-- machine ceiling: secp256k1 recoveries/s", measured: "", goal: "", verdict: "" },
    ...ceilings.map((c) => ({
      metric: `${c.implementation} (${c.workers} workers)`,
      measured: `${fmt(c.perSecond)}/s`,
      goal: `${fmt(c.perSecondPerCore)}/s per core; ${c.library}`,
      verdict: "" as const,
    })),
    { metric: "-- peers for scale", measured: "", goal: "", verdict: "" },
    {
      metric: "EAS multiAttest",
      measured: `~${fmt(Math.floor(BLOCK_GAS / EAS_MULTIATTEST_GAS_PER_RECORD))}/block`,
      goal: `≈ ${fmt(EAS_MULTIATTEST_GAS_PER_RECORD)} gas/record in a 30M-gas block`,
      verdict: "",
    },
    ...(ours4096
      ? [
          {
            metric: "DataLedger submitDataBlock N=4096",
            measured: `~${fmt(Math.floor(BLOCK_GAS / ours4096))}/block`,
            goal: `${fmt(ours4096, 2)} gas/record (bench/results/gas.json)`,
            verdict: "" as const,
          },
        ]
      : []),
    {
      metric: "Chainpoint gateway",
      measured: `${fmt(CHAINPOINT.hashesPerRequest)}/request`,
      goal: `${CHAINPOINT.aggregationWindowS} s aggregation window`,
      verdict: "",
    },
  ];
  console.log();
  console.log(formatIngestTable(rows));

  const results = {
    settings: {
      variant,
      machine: machineInfo(),
      chain: "hardhat node (automine), loopback JSON-RPC",
      gateway: {
        process: "offchain/representation/main.ts (node --import tsx)",
        database: config.databaseUrl
          ? "PostgreSQL server (loopback, fresh database)"
          : "PGlite (data dir in a temp dir)",
        signatureWorkers: config.signatureWorkers ?? "default (cores - 1)",
        maxBacklog: config.maxBacklog ?? "default (4 x maxBlockSize)",
        maxBlockSize: config.maxBlockSize,
        maxWaitMs: config.maxWaitMs,
      },
      load: {
        workers: config.workers,
        devicesPerWorker: config.devicesPerWorker,
        batch: config.batch,
        inFlightPerWorker: config.inFlightPerWorker,
        // Absent: closed loop.
        ...(config.ratePerSecond ? { openLoopRecordsPerSecond: config.ratePerSecond } : {}),
        warmupS: config.warmupS,
        durationS: config.durationS,
      },
      goals: GOALS,
      peers: {
        easMultiAttestGasPerRecord: EAS_MULTIATTEST_GAS_PER_RECORD,
        blockGas: BLOCK_GAS,
        chainpoint: CHAINPOINT,
      },
    },
    results: figures,
    ceiling: ceilings,
  };

  if (config.profile) {
    await children.stop("gateway");
    const files = (await readdir(profileDir).catch(() => [])).filter((f) =>
      f.endsWith(".cpuprofile"),
    );
    if (files.length === 0) {
      console.error("no CPU profile was written");
    } else {
      const raw = await readFile(path.join(profileDir, files[0]), "utf8");
      // The raw profile outlives the run's temporary directory, for DevTools or a closer look.
      const rawFile = path.join(os.tmpdir(), "dataledger-ingest-gateway.cpuprofile");
      await writeFile(rawFile, raw);
      console.log(`\nraw profile: ${rawFile} (open in Chrome DevTools › Performance)`);
      const profile = JSON.parse(raw);
      const summary = summarizeCpuProfile(profile);
      console.log(`\n${summary.text}`);
      const profileFile = path.join(root, "bench", "results", "ingest-profile.json");
      await writeFile(profileFile, `${JSON.stringify(summary.json, null, 2)}\n`);
      console.log(`\nwrote ${path.relative(root, profileFile)}`);
    }
  }
  return { results, figures };
}

async function gasPerRecordAt(n: number): Promise<number | undefined> {
  try {
    const gas = JSON.parse(await readFile(path.join(root, "bench", "results", "gas.json"), "utf8"));
    const row = (gas.results as { operation: string; n: number; gasPerRecord: number }[]).find(
      (r) => r.operation === "submitDataBlock" && r.n === n,
    );
    return row?.gasPerRecord;
  } catch {
    return undefined;
  }
}

/** The load shape in words, for the log and the table. */
function loadShape(): string {
  const { workers, inFlightPerWorker, batch, ratePerSecond } = config;
  return ratePerSecond
    ? `${fmt(ratePerSecond, 0)} records/s offered in bulks of ${batch}, ≤ ${workers * inFlightPerWorker} in flight`
    : `bulk of ${batch}, ${workers * inFlightPerWorker} in flight`;
}

function verdict(ok: boolean): "PASS" | "FAIL" {
  return ok ? "PASS" : "FAIL";
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function fmt(value: number, digits = 1): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/**
 * A new, empty database on the server `url` names, dropped when the benchmark exits: a run never
 * sees another run's outbox. Returns its URL.
 */
async function freshDatabase(url: string): Promise<string> {
  const name = `dataledger_ingest_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const dropAfter = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
  dropDatabases.push(dropAfter);
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return fresh.toString();
}
