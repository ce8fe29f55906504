import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import { network } from "hardhat";
import { createPublicClient, custom, hexToString, keccak256, toBytes, toHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import {
  buildDataBlockTree,
  recordId as recordIdOf,
  verifyReceipt,
  type Receipt,
  type SignedOperation,
} from "../../../offchain/sdk/index.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { expectCode } from "../../helpers/expectCode.js";
import { keyProof } from "../../helpers/keyProof.js";
import { DataBlockJudge__factory } from "../../../types/ethers-contracts/index.js";
import {
  AIR_QUALITY_SCHEMA,
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();
const publicClient = createPublicClient({ transport: custom(connection.provider) });
const rpc = (method: string, params: unknown[] = []) =>
  connection.provider.request({ method, params });

let fx: RepresentationFixture;
let seq = 0;
const payload = () => ({ station: "anchoring", pm25: 3.5, seq: seq++ });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function state(gateway: Gateway, recordId: Hex) {
  return (await gateway.app.request(`/v1/records/${recordId}`)).json() as Promise<{
    status: string;
    receipt?: Receipt;
    root?: Hex;
  }>;
}

async function acceptAll(gateway: Gateway, bodies: Awaited<ReturnType<typeof makeSubmission>>[]) {
  const res = await postJson(gateway.app, "/v1/records/bulk", bodies);
  const { results } = await readJson(res);
  for (const r of results) expect(r.status, JSON.stringify(r)).to.equal("accepted");
  return results.map((r: { recordId: Hex }) => r.recordId) as Hex[];
}

function gatewayConfig(extra: Partial<Parameters<typeof createGateway>[0]> = {}) {
  return {
    ledgerAddress: fx.ledgerAddress,
    provider: fx.provider,
    signer: fx.gatewaySigner,
    blobStore: fx.blobStore,
    database: { url: "" },
    startLoops: false,
    onError: () => {},
    ...extra,
  };
}

describe("offchain/representation: batching and anchoring (P2R)", () => {
  before(async () => {
    fx = await setUpRepresentation(connection);
  });

  describe("with the loops driven by the test", () => {
    let gateway: Gateway;

    before(async () => {
      gateway = await createGateway(
        gatewayConfig({ batch: { maxBlockSize: 3, maxWaitMs: 60_000 } }),
      );
    });
    after(() => gateway.close());

    it("packs by size first, then by time window, in acceptance order, one block per record", async () => {
      const bodies = await Promise.all(
        Array.from({ length: 7 }, () => makeSubmission(fx, payload())),
      );
      const ids = await acceptAll(gateway, bodies);

      const bySize = await gateway.batcher.tick();
      expect(bySize.map((b) => b.recordIds)).to.deep.equal([ids.slice(0, 3), ids.slice(3, 6)]);
      expect((await state(gateway, ids[6])).status).to.equal("accepted");
      expect(await gateway.batcher.tick(Date.now() + 59_000)).to.deep.equal([]);
      const byTime = await gateway.batcher.tick(Date.now() + 60_000);
      expect(byTime.map((b) => b.recordIds)).to.deep.equal([ids.slice(6)]);

      const [row] = await gateway.db.query<{ uri: string; count: number }>(
        "select uri, count from gateway_blocks where block_id = $1",
        [bySize[0].blockId],
      );
      expect(row.count).to.equal(3);
      const document = JSON.parse(
        new TextDecoder().decode(await fx.blobStore.get(row.uri.slice("blob:".length) as Hex)),
      );
      expect(document.root).to.equal(bySize[0].root);
      // The document lists the block's operations in leaf order, which is acceptance order (a
      // record's leaf index is its position there), and the SDK rebuilds the same root from it
      // with the gateway's address.
      const listed = document.operations.map((op: SignedOperation) =>
        recordIdOf(op.source, op.record),
      );
      expect(listed).to.deep.equal(ids.slice(0, 3));
      const rebuilt = buildDataBlockTree(fx.gatewaySigner.address as Hex, document.operations);
      expect(rebuilt.root).to.equal(bySize[0].root);
      expect(rebuilt.blockId).to.equal(bySize[0].blockId);
      expect((await state(gateway, ids[0])).status).to.equal("packed");
      // Packing published the payloads, under their data hashes.
      for (const body of bodies) {
        const bytes = await fx.blobStore.get(body.operation.record.dataHash);
        expect(JSON.parse(new TextDecoder().decode(bytes))).to.deep.equal(body.payload);
      }
      // Each block owns its own range of the outbox, and each record is in exactly one block.
      const ranges = await gateway.db.query<{ first_seq: string; last_seq: string; count: number }>(
        "select first_seq::text, last_seq::text, count from gateway_blocks order by first_seq",
      );
      expect(ranges).to.have.length(3);
      for (const [i, range] of ranges.entries()) {
        expect(Number(range.last_seq) - Number(range.first_seq) + 1).to.equal(range.count);
        if (i > 0)
          expect(Number(range.first_seq)).to.be.greaterThan(Number(ranges[i - 1].last_seq));
      }
      const roots = await gateway.db.query<{ record_id: Hex; block_id: Hex }>(
        "select record_id, block_id from gateway_record_states",
      );
      expect(roots.map((r) => r.record_id)).to.have.members(ids);
      expect(roots.filter((r) => r.record_id === ids[6]).map((r) => r.block_id)).to.deep.equal([
        byTime[0].blockId,
      ]);

      await gateway.submitter.tick();
      await gateway.submitter.tick();
      for (const [i, id] of ids.entries()) {
        const { status, receipt } = await state(gateway, id);
        expect(status).to.equal("anchored");
        const result = await verifyReceipt({
          payload: bodies[i].payload,
          receipt: receipt!,
          publicClient,
          ledgerAddress: fx.ledgerAddress,
        });
        expect(result.kind).to.equal("block");
        expect(result.gateway).to.equal(fx.gatewaySigner.address);
        expect(result.blockId).to.equal(receipt!.blockId);
        expect(result.leafIndex).to.equal(i % 3);
        expect(receipt!.anchoredAt).to.equal(result.anchoredAt);
        expect(receipt!.txHash).to.match(/^0x[0-9a-f]{64}$/);
      }
      const onChain = await fx.ledger.getDataBlock(bySize[1].blockId);
      expect(onChain.count).to.equal(3n);

      // A retry of an anchored record is answered from the outbox.
      const retry = await postJson(gateway.app, "/v1/records/bulk", [bodies[0], bodies[1]]);
      expect(
        (await readJson(retry)).results.map((r: { status: string }) => r.status),
      ).to.deep.equal(["anchored", "anchored"]);
    });

    it("anchors a relayed record on its own with submitRecordBySig", async () => {
      const body = await makeSubmission(fx, payload(), { mode: "relayed" });
      const res = await postJson(gateway.app, "/v1/records", body);
      expect(res.status).to.equal(202);
      const { recordId } = await readJson(res);
      expect(await gateway.batcher.tick(Date.now() + 120_000)).to.deep.equal([]);
      await gateway.submitter.tick();
      await gateway.submitter.tick();
      const { status, receipt } = await state(gateway, recordId);
      expect(status).to.equal("anchored");
      expect(receipt!.kind).to.equal("record");
      const result = await verifyReceipt({
        payload: body.payload,
        receipt: receipt!,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      });
      expect(result.sourceId).to.equal(fx.sourceId);
      expect((await fx.ledger.getRecord(recordId)).status).to.equal(1n);

      // The ledger now holds its record id, which turns the retry down on-chain
      // (DUPLICATE_RECORD), but the outbox holds the same operation: the retry's verdict.
      const retry = await postJson(gateway.app, "/v1/records", body);
      expect(retry.status).to.equal(200);
      expect(await readJson(retry)).to.deep.equal({
        recordId,
        status: "anchored",
        mode: "relayed",
      });
      // Another operation for the same reading (same source, data hash and sampling time) is
      // still a duplicate.
      const other = await makeSubmission(fx, body.payload, {
        mode: "relayed",
        uri: "ipfs://again",
      });
      const refused = await postJson(gateway.app, "/v1/records", other);
      expect(refused.status).to.equal(409);
      expect((await readJson(refused)).error.code).to.equal("DUPLICATE_RECORD");
    });

    it("ends anchored by the rival's transaction when a rival anchors a relayed record after the gateway's estimate, before its transaction is mined", async () => {
      const body = await makeSubmission(fx, payload(), { mode: "relayed" });
      const [id] = await acceptAll(gateway, [body]);
      const rival = (await connection.ethers.getSigners())[5];
      const op = body.operation;
      let ours: { tx_hash: Hex; max_fee_per_gas: string; max_priority_fee_per_gas: string };
      let rivalTx: Hex;
      await rpc("evm_setAutomine", [false]);
      try {
        await gateway.submitter.tick(); // estimated on a chain without the record, then sent
        [ours] = await gateway.db.query<typeof ours>(
          `select tx_hash, max_fee_per_gas, max_priority_fee_per_gas from gateway_txs
           where subject_id = $1 and status = 'pending'`,
          [id],
        );
        expect((await state(gateway, id)).status).to.equal("submitted");
        // The rival outbids the gateway, so the block holds its transaction first.
        const sent = await fx.ledger
          .connect(rival)
          .submitRecordBySig(op.source, op.record, op.deadline, op.signature, {
            gasLimit: 500_000n,
            maxFeePerGas: 2n * BigInt(ours.max_fee_per_gas) + 1n,
            maxPriorityFeePerGas: 2n * BigInt(ours.max_priority_fee_per_gas) + 1n,
          });
        rivalTx = sent.hash as Hex;
        await rpc("evm_mine");
      } finally {
        await rpc("evm_setAutomine", [true]);
      }
      const [theirs, mine] = await Promise.all([
        fx.provider.getTransactionReceipt(rivalTx),
        fx.provider.getTransactionReceipt(ours.tx_hash),
      ]);
      expect(theirs!.status, "the rival's transaction anchored the record").to.equal(1);
      expect(mine!.status, "the gateway's transaction was mined and reverted").to.equal(0);
      expect(mine!.blockNumber).to.equal(theirs!.blockNumber);

      // A bounded number of ticks: the record must not stay "submitted" behind a dead transaction.
      for (let tick = 0; tick < 3 && (await state(gateway, id)).status !== "anchored"; tick++) {
        await gateway.submitter.tick();
      }
      const { status, receipt } = await state(gateway, id);
      expect(status).to.equal("anchored");
      expect(receipt!.txHash).to.equal(rivalTx);
      expect(receipt!.blockNumber).to.equal(theirs!.blockNumber);
      const result = await verifyReceipt({
        payload: body.payload,
        receipt: receipt!,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      });
      expect(result.kind).to.equal("record");
      // Nothing of the gateway's is left pending for it, and no new transaction is sent.
      expect(await gateway.submitter.tick()).to.equal(0);
      const pending = await gateway.db.query(
        "select 1 from gateway_txs where subject_id = $1 and status = 'pending'",
        [id],
      );
      expect(pending).to.have.length(0);
    });

    it("ends anchored, not failed, when the chain already holds the block or record (crash after broadcast)", async () => {
      const blockBody = await makeSubmission(fx, payload());
      const relayedBody = await makeSubmission(fx, payload(), { mode: "relayed" });
      const [blockRecord, relayedRecord] = await acceptAll(gateway, [blockBody, relayedBody]);
      const [packed] = await gateway.batcher.tick(Date.now() + 120_000);
      // The transactions went out and were mined, but the database never heard of them.
      const [b] = await gateway.db.query<{ count: number; f: number; l: number; uri: string }>(
        `select count, first_sampled_at::float8 as f, last_sampled_at::float8 as l, uri
         from gateway_blocks where block_id = $1`,
        [packed.blockId],
      );
      const asGateway = fx.ledger.connect(fx.gatewaySigner);
      await (await asGateway.submitDataBlock(packed.root, b.count, b.f, b.l, b.uri)).wait();
      const op = relayedBody.operation;
      await (
        await asGateway.submitRecordBySig(op.source, op.record, op.deadline, op.signature)
      ).wait();

      const events: string[] = [];
      const observed = await createGateway(
        gatewayConfig({ database: gateway.db, onEvent: (event) => events.push(event) }),
      );
      await observed.submitter.tick();
      expect(events.filter((e) => e === "already-anchored")).to.have.length(2);
      for (const [id, body] of [
        [blockRecord, blockBody],
        [relayedRecord, relayedBody],
      ] as const) {
        const { status, receipt } = await state(gateway, id);
        expect(status).to.equal("anchored");
        await verifyReceipt({
          payload: body.payload,
          receipt: receipt!,
          publicClient,
          ledgerAddress: fx.ledgerAddress,
        });
      }
      const txs = await gateway.db.query(
        "select 1 from gateway_txs where subject_id = any($1::text[])",
        [[packed.blockId, relayedRecord]],
      );
      expect(txs).to.have.length(0);
      await observed.close();
    });

    it("anchors its block although a rival gateway anchored the same root first, with a false count and range", async () => {
      // Data block protocol v3: blocks are keyed per gateway, so the copy is the rival's own
      // block; the gateway's submission does not revert and nothing of its block can be struck.
      const bodies = await Promise.all([0, 1, 2].map(() => makeSubmission(fx, payload())));
      const ids = await acceptAll(gateway, bodies);
      const [packed] = await gateway.batcher.tick(Date.now() + 120_000);
      const rival = (await connection.ethers.getSigners())[6];
      await (await fx.asOperator.grantRole(await fx.ledger.GATEWAY_ROLE(), rival.address)).wait();
      await (
        await fx.ledger.connect(rival).submitDataBlock(packed.root, 1, 0, 0, "ipfs://rival-copy")
      ).wait();

      await gateway.submitter.tick();
      await gateway.submitter.tick();
      const judge = DataBlockJudge__factory.connect(
        await fx.ledger.dataBlockJudge(),
        connection.ethers.provider,
      );
      const rivalBlockId = await judge.dataBlockIdOf(rival.address, packed.root);
      expect(rivalBlockId).to.not.equal(packed.blockId);
      const ours = await fx.ledger.getDataBlock(packed.blockId);
      expect(ours.gateway).to.equal(fx.gatewaySigner.address);
      expect(ours.count).to.equal(3n);
      for (const [i, id] of ids.entries()) {
        const { status, receipt } = await state(gateway, id);
        expect(status).to.equal("anchored");
        expect(receipt!.blockId).to.equal(packed.blockId);
        await verifyReceipt({
          payload: bodies[i].payload,
          receipt: receipt!,
          publicClient,
          ledgerAddress: fx.ledgerAddress,
        });
        const { operation, leafIndex, proof } = receipt!;
        // Not in the rival's copy (its leaves are hashed with the rival's address) ...
        expect(await judge.verifyInclusion(rivalBlockId, operation, leafIndex!, proof!)).to.equal(
          false,
        );
        // ... so the copy's false range cannot strike it, and neither can the copy as an
        // earlier duplicate.
        await expect(
          judge.challenge.staticCall(packed.blockId, operation, leafIndex!, proof!),
        ).to.be.revertedWithCustomError(judge, "DataBlockJudgeValidOperation");
        await expect(
          judge.challengeDuplicate.staticCall(
            packed.blockId,
            operation,
            leafIndex!,
            proof!,
            rivalBlockId,
            operation,
            leafIndex!,
            proof!,
          ),
        ).to.be.revertedWithCustomError(judge, "DataBlockJudgeInvalidProof");
      }
    });

    it("relays a record of a format with unique data hashes even when block mode was asked; another source's same hash is DATA_HASH_HELD", async () => {
      // The ledger enforces one holder per data hash on records only, and its judge strikes
      // such an operation from a block (UniqueDataHashFormat): the gateway must relay it.
      const schema = JSON.stringify({ ...JSON.parse(AIR_QUALITY_SCHEMA), title: "unique-aq" });
      const uniqueFormat = await fx.blobStore.put(toBytes(schema));
      await (
        await fx.asOperator.registerFormat(
          uniqueFormat,
          "unique-aq",
          "1.0.0",
          `blob:${uniqueFormat}`,
          1,
        )
      ).wait();
      const [holder, second] = [
        privateKeyToAccount(generatePrivateKey()),
        privateKeyToAccount(generatePrivateKey()),
      ];
      for (const account of [holder, second]) {
        await (
          await fx.asOperator.registerSource(
            account.address,
            fx.deviceOwner,
            keccak256(toBytes(account.address)),
            "ipfs://device",
            [uniqueFormat],
            await keyProof(fx.ledger, account, fx.deviceOwner),
          )
        ).wait();
      }
      const deposit = { station: "unique", pm25: 1.25 };
      const body = await makeSubmission(fx, deposit, { account: holder, formatId: uniqueFormat });
      expect(body).to.not.have.property("mode"); // block mode, the default
      const res = await postJson(gateway.app, "/v1/records", body);
      expect(res.status).to.equal(202);
      const accepted = await readJson(res);
      expect(accepted).to.include({ status: "accepted", mode: "relayed" });
      expect(await gateway.batcher.tick(Date.now() + 120_000)).to.deep.equal([]);
      await gateway.submitter.tick();
      await gateway.submitter.tick();
      const { status, receipt } = await state(gateway, accepted.recordId);
      expect(status).to.equal("anchored");
      expect(receipt!.kind).to.equal("record");
      expect(await fx.ledger.dataHashHolder(body.operation.record.dataHash)).to.equal(
        accepted.recordId,
      );
      await verifyReceipt({
        payload: deposit,
        receipt: receipt!,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      });
      // A retry of the very request is the same submission, answered with its path.
      const retry = await postJson(gateway.app, "/v1/records", body);
      expect(retry.status).to.equal(200);
      expect(await readJson(retry)).to.include({ status: "anchored", mode: "relayed" });
      // Another source's record of the same payload: the hash is held.
      const rivalBody = await makeSubmission(fx, deposit, {
        account: second,
        formatId: uniqueFormat,
      });
      const refused = await postJson(gateway.app, "/v1/records", rivalBody);
      expect(refused.status).to.equal(409);
      const { error } = await readJson(refused);
      expect(error.code).to.equal("DATA_HASH_HELD");
      expect(error.details).to.include({ recordId: accepted.recordId });
      // Bulk answers name the path too; a format without the flag keeps block mode.
      const bulk = await postJson(gateway.app, "/v1/records/bulk", [
        await makeSubmission(fx, payload()),
      ]);
      expect((await readJson(bulk)).results[0]).to.include({ status: "accepted", mode: "block" });
    });

    it("re-broadcasts a dropped transaction and replaces a stuck one at the same nonce", async () => {
      const body = await makeSubmission(fx, payload());
      const [id] = await acceptAll(gateway, [body]);
      await gateway.batcher.tick(Date.now() + 120_000);
      await rpc("evm_setAutomine", [false]);
      try {
        await gateway.submitter.tick();
        const [first] = await gateway.db.query<{ tx_hash: Hex; nonce: string }>(
          "select tx_hash, nonce::text as nonce from gateway_txs where status = 'pending'",
        );
        await rpc("hardhat_dropTransaction", [first.tx_hash]);
        expect(await fx.provider.getTransaction(first.tx_hash)).to.equal(null);
        await gateway.submitter.tick(); // the node forgot it: same raw transaction again
        expect(await fx.provider.getTransaction(first.tx_hash)).to.not.equal(null);

        const stuck = await createGateway(
          gatewayConfig({ database: gateway.db, submit: { replaceAfterMs: 0 } }),
        );
        await stuck.submitter.tick(); // pending "too long": replaced with higher fees
        const rows = await gateway.db.query<{
          tx_hash: Hex;
          nonce: string;
          max_fee_per_gas: string;
        }>(
          "select tx_hash, nonce::text as nonce, max_fee_per_gas from gateway_txs where status = 'pending' order by id",
        );
        expect(rows).to.have.length(2);
        expect(rows[1].nonce).to.equal(rows[0].nonce);
        expect(BigInt(rows[1].max_fee_per_gas) > BigInt(rows[0].max_fee_per_gas)).to.equal(true);
        await rpc("evm_mine");
        await stuck.submitter.tick();
        await stuck.close();
        const { status, receipt } = await state(gateway, id);
        expect(status).to.equal("anchored");
        expect(receipt!.txHash).to.equal(rows[1].tx_hash);
        const mined = await gateway.db.query(
          "select 1 from gateway_txs where status = 'mined' and nonce = $1",
          [rows[0].nonce],
        );
        expect(mined).to.have.length(1);
        // The one not mined is marked replaced, in the same statement.
        const statuses = await gateway.db.query<{ tx_hash: Hex; status: string }>(
          "select tx_hash, status from gateway_txs where tx_hash = any($1)",
          [rows.map((r) => r.tx_hash)],
        );
        expect(Object.fromEntries(statuses.map((r) => [r.tx_hash, r.status]))).to.deep.equal({
          [rows[0].tx_hash]: "replaced",
          [rows[1].tx_hash]: "mined",
        });
      } finally {
        await rpc("evm_setAutomine", [true]);
      }
    });

    it("puts a transaction whose block disappeared back to submitted, then anchors it again", async () => {
      const body = await makeSubmission(fx, payload());
      const [id] = await acceptAll(gateway, [body]);
      await gateway.batcher.tick(Date.now() + 120_000);
      const snapshot = await rpc("evm_snapshot");
      await gateway.submitter.tick();
      await gateway.submitter.tick();
      expect((await state(gateway, id)).status).to.equal("anchored");
      await rpc("evm_revert", [snapshot]); // the block holding the transaction is gone
      await rpc("evm_mine");
      await gateway.submitter.tick();
      const after = await state(gateway, id);
      expect(after.status).to.not.equal("anchored");
      await gateway.submitter.tick();
      await gateway.submitter.tick();
      const final = await state(gateway, id);
      expect(final.status).to.equal("anchored");
      await verifyReceipt({
        payload: body.payload,
        receipt: final.receipt!,
        publicClient,
        ledgerAddress: fx.ledgerAddress,
      });
    });
  });

  describe("backpressure", () => {
    for (const target of databaseTargets()) {
      it(`answers 503 GATEWAY_BUSY with Retry-After, storing nothing, while the backlog is full (${target.name})`, async () => {
        const db = await target.open();
        const gateway = await createGateway(
          gatewayConfig({
            database: db,
            limits: { maxBacklog: 3 },
            batch: { maxBlockSize: 2, maxWaitMs: 60_000 },
          }),
        );
        try {
          const count = async () =>
            (
              await gateway.db.query<{ n: number }>(
                "select count(*)::int as n from gateway_records",
              )
            )[0].n;
          await acceptAll(gateway, [
            await makeSubmission(fx, payload()),
            await makeSubmission(fx, payload()),
          ]);
          expect(gateway.batcher.backlog()).to.equal(2);
          // Below the limit a request may take the backlog past it; the next one is turned away.
          await acceptAll(gateway, [
            await makeSubmission(fx, payload()),
            await makeSubmission(fx, payload()),
          ]);
          const refused = await makeSubmission(fx, payload());
          for (const [route, body] of [
            ["/v1/records", refused],
            ["/v1/records/bulk", [refused]],
          ] as const) {
            const res = await postJson(gateway.app, route, body);
            expect(res.status).to.equal(503);
            expect(res.headers.get("retry-after")).to.equal("1");
            expect((await readJson(res)).error.code).to.equal("GATEWAY_BUSY");
          }
          expect(await count()).to.equal(4);
          // Status reads still work, and packing frees the backlog.
          expect(
            (
              await gateway.app.request(
                `/v1/records/${recordIdOf(refused.operation.source, refused.operation.record)}`,
              )
            ).status,
          ).to.equal(404);
          const packed = await gateway.batcher.tick();
          expect(packed).to.have.length(2);
          // Packed is not anchored: the backlog (and the refusal) lasts until the blocks are.
          expect(gateway.batcher.backlog()).to.equal(4);
          expect((await postJson(gateway.app, "/v1/records", refused)).status).to.equal(503);
          await gateway.submitter.tick();
          await gateway.submitter.tick();
          await gateway.batcher.tick();
          expect(gateway.batcher.backlog()).to.equal(0);
          expect((await postJson(gateway.app, "/v1/records", refused)).status).to.equal(202);
          expect(await count()).to.equal(5);
        } finally {
          await gateway.close();
          await db.close();
        }
      });
    }
  });

  describe("one gateway per database", () => {
    for (const target of databaseTargets().filter((t) => t.name === "PostgreSQL")) {
      it(`refuses a second gateway on the same database with DATABASE_IN_USE (${target.name})`, async () => {
        const db = await target.open();
        const first = await createGateway(gatewayConfig({ database: db }));
        try {
          await expectCode(createGateway(gatewayConfig({ database: db })), "DATABASE_IN_USE");
          // The first one is untouched, and once it is gone another may start.
          await acceptAll(first, [await makeSubmission(fx, payload())]);
          await first.close();
          const next = await createGateway(gatewayConfig({ database: db }));
          await next.close();
        } finally {
          await first.close().catch(() => {});
          await db.close();
        }
      });
    }
  });

  describe("with the loops running", () => {
    it("cuts a partial block after the time window and anchors it end to end", async () => {
      const gateway = await createGateway(
        gatewayConfig({
          batch: { maxBlockSize: 100, maxWaitMs: 300 },
          pollMs: 50,
          startLoops: true,
        }),
      );
      try {
        const bodies = await Promise.all([1, 2].map(() => makeSubmission(fx, payload())));
        const ids = await acceptAll(gateway, bodies);
        await waitFor("anchoring", async () => {
          const states = await Promise.all(ids.map((id) => state(gateway, id)));
          return states.every((s) => s.status === "anchored") ? states : undefined;
        });
        const [a, b] = await Promise.all(ids.map((id) => state(gateway, id)));
        expect(a.receipt!.root).to.equal(b.receipt!.root);
        for (const [i, id] of ids.entries()) {
          const { receipt } = await state(gateway, id);
          await verifyReceipt({
            payload: bodies[i].payload,
            receipt: receipt!,
            publicClient,
            ledgerAddress: fx.ledgerAddress,
          });
        }
      } finally {
        await gateway.close();
      }
    });

    it("restart: every accepted record is anchored exactly once after a crash mid-way and an RPC outage", async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), "dataledger-gateway-"));
      const first = await createGateway(
        gatewayConfig({
          database: { url: "", dataDir },
          batch: { maxBlockSize: 2, maxWaitMs: 60_000 },
        }),
      );
      const bodies = await Promise.all(
        Array.from({ length: 5 }, () => makeSubmission(fx, payload())),
      );
      const relayed = await makeSubmission(fx, payload(), { mode: "relayed" });
      const ids = await acceptAll(first, [...bodies, relayed]);
      await first.batcher.tick(); // two full blocks packed, one record still waiting
      await rpc("evm_setAutomine", [false]);
      await first.submitter.tick(); // three transactions signed, stored, broadcast, none mined
      const pending = await first.db.query<{ tx_hash: Hex }>(
        "select tx_hash from gateway_txs where status = 'pending'",
      );
      expect(pending).to.have.length(3);
      await first.close(); // crash: nothing anchored yet
      await rpc("hardhat_dropTransaction", [pending[0].tx_hash]); // and the node lost one of them
      await rpc("evm_setAutomine", [true]);

      // The RPC node is down when the gateway comes back, and recovers later.
      let down = true;
      const eip1193 = connection.provider as unknown as Eip1193Provider;
      const flaky = new BrowserProvider(
        {
          request: async (args) => {
            if (down) throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
            return eip1193.request(args);
          },
        },
        (await fx.provider.getNetwork()).chainId,
        { cacheTimeout: -1, staticNetwork: true },
      );
      const signer = new Wallet(fx.gatewaySigner.privateKey, flaky);
      const second = await createGateway(
        gatewayConfig({
          provider: flaky,
          signer,
          database: { url: "", dataDir },
          batch: { maxBlockSize: 2, maxWaitMs: 100 },
          pollMs: 50,
          startLoops: true,
        }),
      );
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect((await state(second, ids[0])).status).to.equal("submitted");
        down = false;
        await rpc("evm_mine"); // the two transactions still in the mempool
        await waitFor("all anchored", async () => {
          const states = await Promise.all(ids.map((id) => state(second, id)));
          return states.every((s) => s.status === "anchored") ? states : undefined;
        });

        // Exactly once: every block the gateway recorded is on-chain once, and nothing else is.
        const blocks = await second.db.query<{ block_id: Hex; root: Hex; count: number }>(
          "select block_id, root, count from gateway_blocks",
        );
        expect(blocks).to.have.length(3);
        const anchoredEvents = await fx.ledger.queryFilter(
          fx.ledger.filters.DataBlockAnchored(undefined, undefined, fx.gatewaySigner.address),
        );
        for (const block of blocks) {
          expect(anchoredEvents.filter((e) => e.args.blockId === block.block_id)).to.have.length(1);
          expect((await fx.ledger.getDataBlock(block.block_id)).count).to.equal(
            BigInt(block.count),
          );
        }
        const inBlocks = new Set<string>();
        const judge = DataBlockJudge__factory.connect(
          await fx.ledger.dataBlockJudge(),
          connection.ethers.provider,
        );
        for (const [i, id] of ids.entries()) {
          const { receipt } = await state(second, id);
          const body = i < bodies.length ? bodies[i] : relayed;
          if (receipt!.kind === "block") {
            expect(inBlocks.has(id)).to.equal(false);
            inBlocks.add(id);
            expect(
              await judge.verifyInclusion(
                receipt!.blockId!,
                receipt!.operation,
                receipt!.leafIndex!,
                receipt!.proof!,
              ),
            ).to.equal(true);
          }
          await verifyReceipt({
            payload: body.payload,
            receipt: receipt!,
            publicClient,
            ledgerAddress: fx.ledgerAddress,
          });
        }
        expect(inBlocks.size).to.equal(5);
        expect(blocks.reduce((n, b) => n + Number(b.count), 0)).to.equal(5);
        const mined = await second.db.query<{ nonce: string }>(
          "select nonce::text as nonce from gateway_txs where status = 'mined'",
        );
        expect(new Set(mined.map((m) => m.nonce)).size).to.equal(mined.length);
      } finally {
        await second.close();
      }
      // The PGlite directory holds the same state when opened cold.
      const reopened = await openDatabase({ url: "", dataDir });
      const [{ n }] = await reopened.query<{ n: number }>(
        "select count(*)::int as n from gateway_record_states where status = 'anchored'",
      );
      expect(n).to.equal(6);
      await reopened.close();
    });
  });
});

export { hexToString, toHex };
