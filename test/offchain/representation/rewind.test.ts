import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import type { Hex } from "viem";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import type { Receipt } from "../../../offchain/sdk/index.js";
import {
  anchorOnChain,
  makeSubmission,
  postJson,
  readJson,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";
import {
  setUpRepresentationOnAnvil,
  type AnvilRepresentation,
} from "../../helpers/representationOnAnvil.js";
import { openRpcGate, type RpcGate } from "../../helpers/rpcGate.js";

// The front door's promise across a chain that rewinds: a node restarted from an older state
// (`npm start`'s embedded Anvil comes back from its last dump after a SIGKILL), or a reorg deeper
// than the submitter re-checks block by block. Every record the gateway accepted must end
// anchored on the chain as it is now, exactly once, without a retry loop.

let env: AnvilRepresentation;
let fx: RepresentationFixture;
let gate: RpcGate;
let seq = 0;
const payload = () => ({ station: "rewind", pm25: 2.5, seq: seq++ });
const REORG_DEPTH = 12;
const RECOVERY_BUDGET_MS = 15_000;

type Body = Awaited<ReturnType<typeof makeSubmission>>;
type Event = { event: string; details: Record<string, unknown>; at: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** What the submitter told: every event, stamped. */
function recorder() {
  const events: Event[] = [];
  return {
    events,
    onEvent: (event: string, details: Record<string, unknown>) =>
      events.push({ event, details, at: Date.now() }),
    /** Transactions put on the wire since `since`: new or replacement ones, and rebroadcasts. */
    sent: (since = 0) =>
      events.filter((e) => e.at >= since && (e.event === "submitted" || e.event === "rebroadcast"))
        .length,
    of: (name: string, since = 0) => events.filter((e) => e.event === name && e.at >= since),
  };
}

async function startGateway(
  database: { url: string; dataDir?: string },
  onEvent: (event: string, details: Record<string, unknown>) => void,
  extra: Partial<Parameters<typeof createGateway>[0]> = {},
): Promise<Gateway> {
  return createGateway({
    ledgerAddress: fx.ledgerAddress,
    rpcUrl: gate.url,
    privateKey: fx.gatewaySigner.privateKey,
    blobStore: fx.blobStore,
    database,
    batch: { maxBlockSize: 3, maxWaitMs: 100 },
    submit: { reorgDepth: REORG_DEPTH },
    pollMs: 50,
    onEvent,
    onError: () => {},
    ...extra,
  });
}

async function submit(gateway: Gateway, blocks: number, relayed: number) {
  const bodies: Body[] = [];
  for (let i = 0; i < blocks; i++) bodies.push(await makeSubmission(fx, payload()));
  for (let i = 0; i < relayed; i++) {
    bodies.push(await makeSubmission(fx, payload(), { mode: "relayed" }));
  }
  const res = await postJson(gateway.app, "/v1/records/bulk", bodies);
  const { results } = await readJson(res);
  for (const r of results) expect(r.status, JSON.stringify(r)).to.equal("accepted");
  return results.map((r: { recordId: Hex }) => r.recordId) as Hex[];
}

async function state(gateway: Gateway, id: Hex) {
  return (await gateway.app.request(`/v1/records/${id}`)).json() as Promise<{
    status: string;
    receipt?: Receipt;
  }>;
}

async function allAnchored(gateway: Gateway, ids: Hex[], timeoutMs?: number) {
  return waitFor(
    "every record anchored",
    async () => {
      const states = await Promise.all(ids.map((id) => state(gateway, id)));
      return states.every((s) => s.status === "anchored") ? states : undefined;
    },
    timeoutMs,
  );
}

/**
 * The chain as it is now holds every record once, where the gateway says: each block and
 * each relayed record has exactly one anchoring event on the final chain, in the transaction the
 * gateway's receipt names, and the ledger's state agrees.
 */
async function expectAnchoredOnceOnChain(gateway: Gateway, ids: Hex[]) {
  const { ledger } = fx;
  const byBlockId = new Map<string, string>();
  for (const id of ids) {
    const { status, receipt } = await state(gateway, id);
    expect(status, id).to.equal("anchored");
    if (receipt!.kind === "block") {
      byBlockId.set(receipt!.blockId!, receipt!.txHash!);
    } else {
      expect((await ledger.getRecord(id)).status, id).to.equal(1n);
      const logs = await ledger.queryFilter(ledger.filters.RecordAnchored(id), 0);
      expect(logs, `RecordAnchored ${id}`).to.have.length(1);
      expect(logs[0].transactionHash).to.equal(receipt!.txHash);
    }
  }
  for (const [blockId, txHash] of byBlockId) {
    expect(Number((await ledger.getDataBlock(blockId)).status), blockId).to.not.equal(0);
    const logs = await ledger.queryFilter(ledger.filters.DataBlockAnchored(blockId), 0);
    expect(logs, `DataBlockAnchored ${blockId}`).to.have.length(1);
    expect(logs[0].transactionHash).to.equal(txHash);
  }
  // Nothing the gateway packed is left out, nor anchored twice.
  const blocks = await gateway.db.query<{ block_id: Hex; status: string }>(
    "select block_id, status from gateway_blocks",
  );
  for (const block of blocks) {
    expect(block.status, block.block_id).to.equal("anchored");
    expect(
      await ledger.queryFilter(ledger.filters.DataBlockAnchored(block.block_id), 0),
    ).to.have.length(1);
  }
}

/** The gateway's next nonce is the chain's: nothing pending, the last mined one just under it. */
async function expectNonceInSync(gateway: Gateway) {
  const [row] = await gateway.db.query<{ pending: number; top: string | null }>(
    `select count(*) filter (where status = 'pending')::int as pending,
            max(nonce) filter (where status = 'mined')::text as top from gateway_txs`,
  );
  expect(row.pending).to.equal(0);
  const chain = await fx.provider.getTransactionCount(fx.gatewaySigner.address, "latest");
  expect(Number(row.top) + 1).to.equal(chain);
}

async function headNumber() {
  return Number(await env.anvil.rpc<string>("eth_blockNumber"));
}

describe("offchain/representation: the submitter survives a chain that rewinds (Anvil)", function () {
  this.timeout(180_000);

  before(async () => {
    env = await setUpRepresentationOnAnvil();
    fx = env.fx;
    gate = await openRpcGate(env.anvil.url);
  });
  after(async () => {
    await gate?.close();
    await env?.close();
  });

  it("re-anchors what a chain reverted under a running gateway no longer holds, once each", async () => {
    const log = recorder();
    const gateway = await startGateway({ url: "" }, log.onEvent);
    try {
      const early = await submit(gateway, 4, 1);
      await allAnchored(gateway, early);
      const snapshot = await env.anvil.rpc<string>("evm_snapshot");
      const late = await submit(gateway, 5, 2);
      await allAnchored(gateway, late);
      const lateTxs = log.sent();
      const before = await headNumber();

      const t0 = Date.now();
      await env.anvil.rpc("evm_revert", [snapshot]);
      const after = await headNumber();
      const [rewound] = await waitFor("the rewind", async () =>
        log.of("rewound", t0).length > 0 ? log.of("rewound", t0) : undefined,
      );
      expect(rewound.details).to.include({ to: after });
      expect(rewound.details.from as number).to.be.at.least(before - 1);
      await allAnchored(gateway, [...early, ...late]);
      const recoveredMs = Date.now() - t0;
      await expectAnchoredOnceOnChain(gateway, [...early, ...late]);
      await expectNonceInSync(gateway);
      // The late transactions went out once more at most (a rebroadcast of the same raw
      // transaction), the early ones not at all: no retry loop.
      const resent = log.sent(t0);
      expect(resent).to.be.at.most(lateTxs);
      expect(recoveredMs).to.be.below(RECOVERY_BUDGET_MS);

      const fresh = await submit(gateway, 2, 1);
      await allAnchored(gateway, fresh);
      await expectAnchoredOnceOnChain(gateway, [...early, ...late, ...fresh]);
      await expectNonceInSync(gateway);
      console.log(
        `      rewound ${before} → ${after} (${before - after} blocks), ${resent} transactions sent, recovered in ${recoveredMs} ms`,
      );
    } finally {
      await gateway.close();
    }
  });

  it("finds transactions deeper than reorgDepth when the chain came back from an older state and mined on", async () => {
    const log = recorder();
    const gateway = await startGateway({ url: "" }, log.onEvent);
    try {
      const snapshot = await env.anvil.rpc<string>("evm_snapshot");
      const ids = await submit(gateway, 6, 2);
      await allAnchored(gateway, ids);
      await env.anvil.rpc("anvil_mine", ["0x14"]); // 20 empty blocks on top of the anchoring
      await sleep(300); // a few ticks: the gateway has seen the new head
      const before = await headNumber();

      // The node goes quiet, comes back from the snapshot and mines past everything the gateway
      // saw: its head is higher than the orphaned transactions' blocks plus reorgDepth, so only
      // a different block at the remembered height gives the rewind away.
      await gate.hold();
      await env.anvil.rpc("evm_revert", [snapshot]);
      await env.anvil.rpc("anvil_mine", [`0x${(before + 5 - (await headNumber())).toString(16)}`]);
      const after = await headNumber();
      expect(after).to.be.greaterThan(before);
      const t0 = Date.now();
      gate.release();

      const [rewound] = await waitFor("the rewind", async () =>
        log.of("rewound", t0).length > 0 ? log.of("rewound", t0) : undefined,
      );
      expect(rewound.details).to.include({ to: after });
      const orphaned = log.of("reorged", t0);
      const deepest = Math.max(...orphaned.map((e) => e.details.blockNumber as number));
      expect(after - deepest).to.be.greaterThan(REORG_DEPTH);
      await allAnchored(gateway, ids);
      const recoveredMs = Date.now() - t0;
      await expectAnchoredOnceOnChain(gateway, ids);
      await expectNonceInSync(gateway);
      const resent = log.sent(t0);
      expect(resent).to.be.at.most(ids.length);
      expect(recoveredMs).to.be.below(RECOVERY_BUDGET_MS);

      const fresh = await submit(gateway, 1, 1);
      await allAnchored(gateway, fresh);
      await expectAnchoredOnceOnChain(gateway, [...ids, ...fresh]);
      await expectNonceInSync(gateway);
      console.log(
        `      head ${before} → fork at ≤ ${deepest} → ${after} (${after - deepest} blocks past the deepest orphan), ${orphaned.length} subjects orphaned, ${resent} transactions sent, recovered in ${recoveredMs} ms`,
      );
    } finally {
      gate.release();
      await gateway.close();
    }
  });

  it("restart: a gateway started on the same database after the chain rewound re-anchors it all", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "dataledger-rewind-"));
    const first = recorder();
    const gateway = await startGateway({ url: "", dataDir }, first.onEvent);
    const snapshot = await env.anvil.rpc<string>("evm_snapshot");
    let ids: Hex[];
    try {
      ids = await submit(gateway, 5, 2);
      await allAnchored(gateway, ids);
    } finally {
      await gateway.close();
    }
    const before = await headNumber();
    await env.anvil.rpc("evm_revert", [snapshot]);
    // The node mines on while the gateway is down: the orphaned blocks drop out of reorgDepth.
    await env.anvil.rpc("anvil_mine", ["0x20"]);
    const after = await headNumber();

    const log = recorder();
    const t0 = Date.now();
    const second = await startGateway({ url: "", dataDir }, log.onEvent);
    try {
      const [rewound] = await waitFor("the rewind", async () =>
        log.of("rewound").length > 0 ? log.of("rewound") : undefined,
      );
      expect(rewound.details).to.include({ to: after });
      await allAnchored(second, ids);
      const recoveredMs = Date.now() - t0;
      await expectAnchoredOnceOnChain(second, ids);
      await expectNonceInSync(second);
      const resent = log.sent();
      expect(resent).to.be.at.most(ids.length);
      expect(log.of("reorged").length).to.be.greaterThan(0);
      expect(recoveredMs).to.be.below(RECOVERY_BUDGET_MS);

      const fresh = await submit(second, 2, 1);
      await allAnchored(second, fresh);
      await expectAnchoredOnceOnChain(second, [...ids, ...fresh]);
      await expectNonceInSync(second);
      console.log(
        `      restart: head ${before} → reverted and mined to ${after}, ${log.of("reorged").length} subjects orphaned, ${resent} transactions sent, recovered in ${recoveredMs} ms`,
      );
    } finally {
      await second.close();
    }
  });

  it("attack: a rewound nonce of someone else's transaction leaves no gap that blocks the queue", async () => {
    // The gateway's key anchored a relayed record itself (another instance, an operator's
    // script) right after the gateway accepted it: the gateway settles it from the ledger, then
    // sends a block at the next nonce. The chain rewinds below both. The block's transaction
    // now waits above a nonce nothing of the gateway's holds ("nonce too high" forever, or queued
    // and never mined), and the relayed record is gone with no transaction of the gateway's.
    const log = recorder();
    const gateway = await startGateway({ url: "" }, log.onEvent, { startLoops: false });
    try {
      const snapshot = await env.anvil.rpc<string>("evm_snapshot");
      const relayedBody = await makeSubmission(fx, payload(), { mode: "relayed" });
      const blockBodies = [
        await makeSubmission(fx, payload()),
        await makeSubmission(fx, payload()),
      ];
      const res = await postJson(gateway.app, "/v1/records/bulk", [relayedBody, ...blockBodies]);
      const ids = (await readJson(res)).results.map((r: { recordId: Hex }) => r.recordId) as Hex[];
      await anchorOnChain(fx, relayedBody);
      await gateway.batcher.tick(Date.now() + 60_000);
      await gateway.submitter.tick();
      await gateway.submitter.tick();
      expect(log.of("already-anchored")).to.have.length(1);
      for (const id of ids) expect((await state(gateway, id)).status).to.equal("anchored");

      await env.anvil.rpc("evm_revert", [snapshot]);
      const t0 = Date.now();
      let ticks = 0;
      while (ticks < 6) {
        await gateway.submitter.tick();
        ticks++;
        const states = await Promise.all(ids.map((id) => state(gateway, id)));
        if (states.every((s) => s.status === "anchored")) break;
      }
      expect(ticks).to.be.at.most(3);
      expect(log.of("nonce-gap", t0)).to.have.length(1);
      expect(log.of("rewound", t0)).to.have.length(1);
      expect(log.of("rewound", t0)[0].details).to.include({ lostAnchorings: 1 });
      await expectAnchoredOnceOnChain(gateway, ids);
      await expectNonceInSync(gateway);
      // One fresh transaction per subject, nothing rebroadcast into the gap.
      expect(log.sent(t0)).to.equal(2);
      expect(log.of("rebroadcast", t0)).to.have.length(0);
      console.log(
        `      attack: nonce gap at ${log.of("nonce-gap", t0)[0].details.nonce} healed in ${ticks} ticks, ${log.sent(t0)} transactions sent`,
      );
    } finally {
      await gateway.close();
    }
  });
});
