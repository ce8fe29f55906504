import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { network } from "hardhat";
import type { JsonRpcServer, NetworkConnection } from "hardhat/types/network";
import { createPublicClient, http as viemHttp, type Hex, type LocalAccount } from "viem";

import {
  buildDataBlockTree,
  dataBlockStatus,
  recordId,
  verifyReceipt,
  type Receipt,
  type SignedOperation,
} from "../../../offchain/sdk/index.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import {
  makeSubmission,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

// Y.4561 non-negotiable: a record the representation FE acknowledged reaches the chain exactly
// once, across crashes and restarts. The gateway runs as its own process (main.ts) on a PGlite
// directory; simulated devices keep submitting while the test SIGKILLs it at random moments and
// cuts its RPC link, then the chain is compared with what the devices were told.
//
// Reproduce a failure with CRASH_SEED=<seed printed in the log>.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const MAIN = path.join(ROOT, "offchain/representation/main.ts");
const SEED = Number(process.env.CRASH_SEED ?? 0x5eed);
const KILLS = 7;
const OUTAGES = 3;
const DEVICES = 4;

/** mulberry32: a tiny seeded PRNG, so a failing schedule can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * A loopback JSON-RPC forwarder the test can take down: "refuse" closes the listener (connection
 * refused), "reset" keeps listening but destroys every socket, including requests the chain has
 * already executed, so the gateway also loses answers to calls that took effect.
 */
class RpcProxy {
  readonly #sockets = new Set<Socket>();
  readonly #server: http.Server;
  #state: "up" | "reset" | "refuse" = "up";
  port = 0;

  constructor(readonly target: string) {
    this.#server = http.createServer((req, res) => void this.#forward(req, res));
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
      if (this.#state !== "up") socket.destroy();
    });
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async down(mode: "reset" | "refuse"): Promise<void> {
    this.#state = mode;
    if (mode === "refuse")
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
  }

  async up(): Promise<void> {
    if (this.#state === "refuse") await this.listen(this.port);
    this.#state = "up";
  }

  async close(): Promise<void> {
    this.#state = "reset";
    for (const socket of this.#sockets) socket.destroy();
    if (this.#server.listening) await new Promise((resolve) => this.#server.close(resolve));
  }

  async #forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (this.#state !== "up") throw new Error("down");
      const answer = await fetch(this.target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      });
      const body = Buffer.from(await answer.arrayBuffer());
      if (this.#state !== "up") throw new Error("down");
      res.writeHead(answer.status, { "content-type": "application/json" }).end(body);
    } catch {
      req.socket.destroy();
    }
  }
}

/** One run of main.ts; `generation` counts restarts on the same data directory. */
class GatewayProcess {
  url = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly lines: Record<string, unknown>[] = [];

  constructor(
    readonly child: ChildProcess,
    readonly generation: number,
    logFile: string,
  ) {
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const log = (stream: string) => (chunk: Buffer) => {
      const text = chunk.toString();
      appendFileSync(
        logFile,
        text
          .split("\n")
          .filter(Boolean)
          .map(
            (l) => `${(performance.now() / 1000).toFixed(3)} [gen ${generation} ${stream}] ${l}\n`,
          )
          .join(""),
      );
      if (stream === "out") {
        for (const line of text.split("\n").filter(Boolean)) {
          try {
            this.lines.push(JSON.parse(line));
          } catch {
            // a partial line split across chunks; the log file has it
          }
        }
      }
    };
    child.stdout!.on("data", log("out"));
    child.stderr!.on("data", log("err"));
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = "SIGKILL") {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }
}

interface SimRecord {
  id: Hex;
  mode: "block" | "relayed";
  body: Awaited<ReturnType<typeof makeSubmission>>;
  /** Deliberately bad: must be refused, never stored, never anchored. */
  invalid?: "signature" | "schema";
}

describe("offchain/representation: crash safety of the gateway process (exactly once)", () => {
  const children = new Set<GatewayProcess>();
  const killAll = () => {
    for (const g of children) if (g.alive) g.child.kill("SIGKILL");
  };
  let server: JsonRpcServer | undefined;
  let connection: NetworkConnection | undefined;
  let proxy: RpcProxy | undefined;

  before(() => {
    process.once("exit", killAll);
  });

  after(async () => {
    killAll();
    await Promise.all([...children].map((g) => g.exited));
    await proxy?.close();
    await connection?.close();
    await server?.close();
    process.off("exit", killAll);
  });

  it("anchors every acknowledged record exactly once across SIGKILLs and RPC outages", async function () {
    this.timeout(240_000);
    const started = Date.now();
    const rng = seeded(SEED);
    const work = await mkdtemp(path.join(tmpdir(), "dataledger-crash-"));
    const logFile = path.join(work, "gateway.log");
    const dataDir = path.join(work, "pglite");
    console.log(`      seed ${SEED}, gateway log ${logFile}`);

    // The chain: Hardhat's simulated network served over HTTP, reached by the gateway only
    // through the proxy, and by the test directly.
    server = await network.createServer(undefined, "127.0.0.1");
    const { port } = await server.listen();
    const chainUrl = `http://127.0.0.1:${port}`;
    connection = await network.create({ network: "localhost", override: { url: chainUrl } });
    const fx: RepresentationFixture = await setUpRepresentation(connection);
    const accounts: LocalAccount[] = [fx.device];
    while (accounts.length < DEVICES) accounts.push((await fx.addDevice()).account);
    const deadline = (await fx.now()) + 3 * 3600;
    const chainId = (await fx.provider.getNetwork()).chainId;
    proxy = new RpcProxy(chainUrl);
    await proxy.listen();

    // --- the gateway process ------------------------------------------------------------------
    let generation = 0;
    let gateway: GatewayProcess | undefined;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GATEWAY_PRIVATE_KEY: fx.gatewaySigner.privateKey,
    };
    delete env.DATABASE_URL;
    const startTimes: number[] = [];
    const startGateway = async () => {
      const t0 = Date.now();
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          MAIN,
          ...["--rpc-url", proxy!.url, "--ledger", fx.ledgerAddress],
          ...["--chain-id", chainId.toString(), "--data-dir", dataDir, "--blob-dir", fx.blobDir],
          ...["--port", "0", "--max-block-size", "16", "--max-wait-ms", "1000", "--poll-ms", "50"],
          ...["--rpc-timeout-ms", "10000"],
        ],
        { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
      );
      const g = new GatewayProcess(child, ++generation, logFile);
      children.add(g);
      const listening = await Promise.race([
        waitFor(
          "the gateway to listen",
          async () => g.lines.find((l) => l.event === "listening"),
          60_000,
        ),
        g.exited.then(({ code, signal }) => {
          throw new Error(`gateway exited before listening (${code ?? signal}); see ${logFile}`);
        }),
      ]);
      g.url = listening.url as string;
      gateway = g;
      startTimes.push(Date.now() - t0);
      return g;
    };
    await startGateway();

    // --- devices ------------------------------------------------------------------------------
    const records: SimRecord[] = [];
    const acknowledged = new Map<Hex, SimRecord>();
    const refused = new Map<Hex, { record: SimRecord; code: string }>();
    const unexpected: string[] = [];
    const stats = { requests: 0, notListening: 0, cutOff: 0, unavailable: 0 };
    let producing = true;
    let seq = 0;

    const newRecord = async (account: LocalAccount, deviceRng: () => number) => {
      const roll = deviceRng();
      const invalid = roll < 0.03 ? "signature" : roll < 0.06 ? "schema" : undefined;
      const mode = deviceRng() < 0.1 ? "relayed" : "block";
      const payload = {
        station: `device-${account.address.slice(2, 8)}`,
        pm25: invalid === "schema" ? -1 : Math.round(deviceRng() * 1000) / 10,
        seq: seq++,
      };
      const body = await makeSubmission(fx, payload, { account, deadline, mode });
      if (invalid === "signature") {
        const s = body.operation.signature;
        const flipped = s[10] === "0" ? "1" : "0";
        body.operation = {
          ...body.operation,
          signature: `${s.slice(0, 10)}${flipped}${s.slice(11)}` as Hex,
        };
      }
      const record: SimRecord = {
        id: recordId(body.operation.source, body.operation.record),
        mode,
        body,
        invalid,
      };
      records.push(record);
      return record;
    };

    /** What one answer means for one record: settled, or still to be retried. */
    const settle = (record: SimRecord, status: number, answer: Record<string, unknown>) => {
      const error = answer.error as { code: string } | undefined;
      if (!error && typeof answer.status === "string") {
        if (record.invalid) unexpected.push(`invalid record ${record.id} accepted`);
        acknowledged.set(record.id, record);
        return true;
      }
      if (
        status >= 500 ||
        ["CHAIN_UNAVAILABLE", "FORMAT_SCHEMA_UNAVAILABLE"].includes(error?.code ?? "")
      ) {
        stats.unavailable++;
        return false;
      }
      if (!record.invalid)
        unexpected.push(`valid record ${record.id} refused: ${JSON.stringify(answer)}`);
      refused.set(record.id, { record, code: error?.code ?? String(status) });
      return true;
    };

    /** Sends records as one request; returns those that got no final answer. */
    const send = async (batch: SimRecord[], deviceRng: () => number): Promise<SimRecord[]> => {
      const target = gateway!.url;
      stats.requests++;
      try {
        if (batch.length === 1 && deviceRng() < 0.7) {
          const res = await fetch(`${target}/v1/records`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(batch[0].body),
            signal: AbortSignal.timeout(20_000),
          });
          const answer = (await res.json()) as Record<string, unknown>;
          return settle(batch[0], res.status, answer) ? [] : batch;
        }
        const ndjson = deviceRng() < 0.3;
        const res = await fetch(`${target}/v1/records/bulk`, {
          method: "POST",
          headers: { "content-type": ndjson ? "application/x-ndjson" : "application/json" },
          body: ndjson
            ? batch.map((r) => JSON.stringify(r.body)).join("\n")
            : JSON.stringify(batch.map((r) => r.body)),
          signal: AbortSignal.timeout(20_000),
        });
        const answer = (await res.json()) as { results?: Record<string, unknown>[] };
        if (res.status !== 200 || !answer.results) {
          if (res.status >= 500) {
            stats.unavailable++;
            return batch;
          }
          unexpected.push(`bulk answered ${res.status}: ${JSON.stringify(answer)}`);
          return [];
        }
        return batch.filter((record, i) => !settle(record, 200, answer.results![i]));
      } catch (error) {
        // Killed mid-request, not listening yet, or the answer was lost: the device keeps the
        // records and sends them again (an idempotent retry once they were stored).
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === "ECONNREFUSED") stats.notListening++;
        else stats.cutOff++;
        return batch;
      }
    };

    const device = async (account: LocalAccount, index: number) => {
      const deviceRng = seeded(SEED * 31 + index);
      let unanswered: SimRecord[] = [];
      while (producing) {
        const fresh = await Promise.all(
          Array.from({ length: deviceRng() < 0.35 ? 2 + Math.floor(deviceRng() * 4) : 1 }, () =>
            newRecord(account, deviceRng),
          ),
        );
        const retries = unanswered.splice(0, 8);
        const batch = [...retries, ...fresh];
        unanswered.push(...(await send(batch, deviceRng)));
        await sleep(200 + deviceRng() * 300);
      }
      // Drain: the gateway is up and the RPC reachable now, so every record gets its answer.
      const until = Date.now() + 60_000;
      while (unanswered.length > 0) {
        if (Date.now() > until) throw new Error(`device ${index}: ${unanswered.length} unanswered`);
        unanswered = await send(unanswered.splice(0, 20), deviceRng).then((left) => [
          ...left,
          ...unanswered,
        ]);
        if (unanswered.length > 0) await sleep(100);
      }
    };

    // --- chaos --------------------------------------------------------------------------------
    const kills: NodeJS.Signals[] = [];
    const chaos = async () => {
      for (let k = 0; k < KILLS; k++) {
        // Sometimes right after startup (resume path), mostly mid-stream.
        await sleep(k % 3 === 0 ? rng() * 400 : 800 + rng() * 2_500);
        const victim = gateway!;
        // One clean stop mid-stream: in-flight requests commit and get their answer first.
        const signal = k === 2 ? "SIGTERM" : "SIGKILL";
        const exit = await victim.kill(signal);
        if (signal === "SIGKILL") expect(exit.signal).to.equal("SIGKILL");
        else expect(exit.code, `SIGTERM exit; see ${logFile}`).to.equal(0);
        kills.push(signal);
        await sleep(rng() * 300);
        await startGateway();
      }
    };
    const outages: string[] = [];
    const outage = async () => {
      for (let i = 0; i < OUTAGES; i++) {
        await sleep(1_000 + rng() * 3_000);
        // While a gateway is up, so the outage hits its accept path and loops, not an empty port.
        await waitFor(
          "a listening gateway",
          async () => (gateway!.alive ? true : undefined),
          60_000,
        );
        const mode = i % 2 === 0 ? "reset" : "refuse";
        await proxy!.down(mode);
        outages.push(mode);
        await sleep(400 + rng() * 1_500);
        await proxy!.up();
      }
    };

    const devices = accounts.map((account, i) => device(account, i));
    try {
      await Promise.all([chaos(), outage()]);
    } finally {
      producing = false;
      await proxy.up();
    }
    await Promise.all(devices);
    const chaosDone = Date.now();

    // --- the gateway's own view ---------------------------------------------------------------
    const get = (id: Hex) =>
      fetch(`${gateway!.url}/v1/records/${id}`, { signal: AbortSignal.timeout(20_000) });
    const states = new Map<Hex, { status: string; receipt?: Receipt }>();
    await waitFor(
      "every acknowledged record to be anchored",
      async () => {
        const pending = [...acknowledged.keys()].filter(
          (id) => states.get(id)?.status !== "anchored",
        );
        for (let i = 0; i < pending.length; i += 16) {
          await Promise.all(
            pending.slice(i, i + 16).map(async (id) => {
              const res = await get(id);
              expect(res.status, id).to.equal(200);
              states.set(id, (await res.json()) as { status: string; receipt?: Receipt });
            }),
          );
        }
        const left = [...acknowledged.keys()].filter((id) => states.get(id)?.status !== "anchored");
        const failed = left.filter((id) => states.get(id)?.status === "failed");
        expect(failed, "records the gateway gave up on").to.deep.equal([]);
        return left.length === 0 ? true : undefined;
      },
      90_000,
    );
    for (const { record } of refused.values()) {
      expect(
        (await get(record.id)).status,
        `refused ${record.invalid} record ${record.id}`,
      ).to.equal(404);
    }

    // A clean stop: SIGTERM drains and exits 0.
    const last = gateway!;
    last.child.kill("SIGTERM");
    const stopped = await last.exited;
    expect(stopped.code, `SIGTERM exit; see ${logFile}`).to.equal(0);
    expect(last.lines.some((l) => l.event === "stopped")).to.equal(true);

    // --- the chain's view ---------------------------------------------------------------------
    const { ledger, blobStore, gatewaySigner } = fx;
    const blockEvents = await ledger.queryFilter(ledger.filters.DataBlockAnchored(), 0);
    const leaves: Hex[] = [];
    const roots = new Set<string>();
    for (const event of blockEvents) {
      const { blockId, root, gateway: by, count, uri } = event.args;
      expect(roots.has(root), `root ${root} anchored twice`).to.equal(false);
      roots.add(root);
      expect(by).to.equal(gatewaySigner.address);
      expect(Number((await ledger.getDataBlock(blockId)).status)).to.equal(
        dataBlockStatus.Anchored,
      );
      const bytes = await blobStore.get(uri.slice("blob:".length) as Hex);
      expect(bytes, `block document ${uri}`).to.not.equal(undefined);
      const document = JSON.parse(new TextDecoder().decode(bytes)) as {
        root: Hex;
        operations: SignedOperation[];
      };
      expect(document.root).to.equal(root);
      expect(document.operations).to.have.length(Number(count));
      const tree = buildDataBlockTree(by as Hex, document.operations);
      expect(tree.root).to.equal(root);
      expect(tree.blockId).to.equal(blockId);
      leaves.push(...document.operations.map((op) => recordId(op.source, op.record)));
    }
    const relayedEvents = await ledger.queryFilter(ledger.filters.RecordAnchored(), 0);
    const relayed = relayedEvents.map((e) => e.args.recordId.toLowerCase() as Hex);

    const anchored = [...leaves, ...relayed];
    const duplicates = anchored.filter((id, i) => anchored.indexOf(id) !== i);
    expect(duplicates, "records anchored more than once").to.deep.equal([]);
    const ackedBlock = [...acknowledged.values()]
      .filter((r) => r.mode === "block")
      .map((r) => r.id);
    const ackedRelayed = [...acknowledged.values()]
      .filter((r) => r.mode === "relayed")
      .map((r) => r.id);
    expect(leaves.length, "records in data blocks").to.equal(ackedBlock.length);
    expect([...leaves].sort()).to.deep.equal([...ackedBlock].sort());
    expect(relayed.length, "relayed records").to.equal(ackedRelayed.length);
    expect([...relayed].sort()).to.deep.equal([...ackedRelayed].sort());
    for (const id of refused.keys()) expect(anchored).to.not.include(id);

    // Receipts hold up against the chain without trusting the gateway (a sample).
    const publicClient = createPublicClient({ transport: viemHttp(chainUrl) });
    for (const record of [...acknowledged.values()].filter((_, i) => i % 25 === 0)) {
      const result = await verifyReceipt({
        payload: record.body.payload,
        receipt: states.get(record.id)!.receipt!,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      });
      expect(result.kind).to.equal(record.mode === "block" ? "block" : "record");
    }

    // The PGlite directory, opened cold after the last stop, agrees.
    const db = await openDatabase({ url: "", dataDir });
    try {
      const rows = await db.query<{ status: string; n: number }>(
        "select status, count(*)::int as n from gateway_record_states group by status",
      );
      expect(rows).to.deep.equal([{ status: "anchored", n: acknowledged.size }]);
      const [{ n: blocks }] = await db.query<{ n: number }>(
        "select count(*)::int as n from gateway_blocks where status = 'anchored'",
      );
      expect(blocks).to.equal(roots.size);
    } finally {
      await db.close();
    }

    expect(kills.filter((k) => k === "SIGKILL").length).to.be.at.least(5);
    expect(outages).to.have.length(OUTAGES);
    expect(unexpected, "answers a device should never get").to.deep.equal([]);
    expect(acknowledged.size).to.be.greaterThan(50);
    console.log(
      `      ${acknowledged.size} acknowledged (${ackedBlock.length} in ${roots.size} blocks, ` +
        `${ackedRelayed.length} relayed), ${refused.size} refused; ${stats.requests} requests, ` +
        `${stats.notListening} refused, ${stats.cutOff} cut off, ${stats.unavailable} answered 503; ` +
        `${kills.filter((k) => k === "SIGKILL").length} SIGKILLs + 1 SIGTERM (restart ${Math.min(...startTimes)}–${Math.max(...startTimes)} ms), ` +
        `${outages.length} RPC outages; chaos ${((chaosDone - started) / 1000).toFixed(1)} s, ` +
        `total ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
