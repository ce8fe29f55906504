import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { createPublicClient, custom, keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { defineIndexerConfig } from "../../../offchain/monitoring/indexer/config.js";
import { Indexer } from "../../../offchain/monitoring/indexer/Indexer.js";
import { IndexM2S } from "../../../offchain/monitoring/m2s/IndexM2S.js";
import type { IndexedRecord } from "../../../offchain/monitoring/m2s/M2S.js";
import { createRecord } from "../../../offchain/sdk/createRecord.js";
import { ledgerDomain } from "../../../offchain/sdk/ledgerDomain.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import { signRecord } from "../../../offchain/sdk/signRecord.js";
import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { verifyReceipt } from "../../../offchain/sdk/verifyReceipt.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { DataBlockJudge__factory } from "../../../types/ethers-contracts/index.js";
import { deployLedger, type LedgerFixture } from "../../fixtures/deployLedger.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { expectCode } from "../../helpers/expectCode.js";
import { keyProof } from "../../helpers/keyProof.js";
import { publishDataBlock, type PublishedDataBlock } from "../../helpers/publishDataBlock.js";

/**
 * The M2S implementation over an indexed chain: every method answers what the chain's events
 * say (statuses, disputes, membership, finality), with receipts that verify against the chain.
 */
for (const target of databaseTargets()) {
  describe(`offchain/monitoring: IndexM2S, the M2S reference point over the index (${target.name})`, function () {
    this.timeout(120_000);
    let connection: Awaited<ReturnType<typeof network.create>>;
    let fx: LedgerFixture;
    let db: Database;
    let indexer: Indexer;
    let m2s: IndexM2S;
    let ledgerAddress: Hex;
    const device = privateKeyToAccount(generatePrivateKey());
    const rogue = privateKeyToAccount(generatePrivateKey());
    const shared = { station: "S", pm25: 12 };
    let format: Hex;
    let sharedHash: Hex;
    let superseded: Hex;
    let successor: Hex;
    let revoked: Hex;
    let direct: Hex;
    let relayed: SignedOperation;
    let block: PublishedDataBlock;
    let blockOps: SignedOperation[];

    const ids = (records: IndexedRecord[]) => records.map((r) => r.recordId);

    before(async () => {
      connection = await network.create();
      fx = await deployLedger(connection as Parameters<typeof deployLedger>[0]);
      const provider = connection.ethers.provider;
      const chainId = (await provider.getNetwork()).chainId;
      ledgerAddress = (await fx.ledger.getAddress()) as Hex;
      format = fx.formatId.toLowerCase() as Hex;
      db = await target.open();
      const blobs = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "m2s-blobs-")));
      indexer = new Indexer({
        config: defineIndexerConfig({
          chainId,
          contracts: {
            ledger: { address: ledgerAddress },
            access: { address: await fx.access.getAddress() },
          },
          confirmations: 2,
        }),
        db,
        provider,
        blobs,
      });
      await indexer.migrate();
      m2s = new IndexM2S(db);

      // The device is source 2. Dataset 1 ends with source 2 only (1 added then dropped);
      // dataset 2 holds source 2 too.
      await fx.ledger
        .connect(fx.operator)
        .registerSource(
          device.address,
          fx.sourceOwner.address,
          keccak256(toBytes("device")),
          "ipfs://device",
          [fx.formatId],
          await keyProof(fx.ledger, device, fx.sourceOwner.address),
        );
      const owner = fx.access.connect(fx.datasetOwner);
      await (await owner.setDatasetSources(1n, [2n], true)).wait();
      await (await owner.setDatasetSources(1n, [1n], false)).wait();
      await (await owner.createDataset("ipfs://dataset-2", [2n], [fx.formatId])).wait();

      const domain = ledgerDomain(chainId, ledgerAddress);
      const now = async () => Number((await provider.getBlock("latest"))!.timestamp);
      const sign = async (payload: unknown, sampledAt: number, account = device) => {
        const { record, canonicalPayload } = createRecord({
          payload,
          formatId: fx.formatId as Hex,
          sampledAt,
        });
        await blobs.put(toBytes(canonicalPayload));
        return signRecord({ account, domain, record, deadline: (await now()) + 3600, epoch: 0 });
      };
      const record = (payload: unknown, sampledAt: number) =>
        createRecord({ payload, formatId: fx.formatId as Hex, sampledAt }).record;
      const idOf = (r: { dataHash: Hex; sampledAt: number }) =>
        recordId(fx.sourceKey.address as Hex, r);
      const source1 = fx.ledger.connect(fx.sourceKey);

      // Source 1: the shared payload directly; a record superseded by an update; a revoked one.
      const sharedRecord = record(shared, 10);
      sharedHash = sharedRecord.dataHash;
      direct = idOf(sharedRecord);
      await (await source1.submitRecord(sharedRecord)).wait();
      const first = record({ v: 1 }, 20);
      const second = record({ v: 2 }, 21);
      [superseded, successor] = [idOf(first), idOf(second)];
      await (await source1.submitRecord(first)).wait();
      await (await source1.updateRecord(superseded, second)).wait();
      const gone = record({ v: "gone" }, 30);
      revoked = idOf(gone);
      await (await source1.submitRecord(gone)).wait();
      await (await source1.revokeRecord(revoked, 7)).wait();
      // Source 2: the shared payload relayed, then a block repeating it beside a rogue leaf.
      relayed = await sign(shared, 40);
      await (
        await fx.ledger
          .connect(fx.stranger)
          .submitRecordBySig(relayed.source, relayed.record, relayed.deadline, relayed.signature)
      ).wait();
      blockOps = [await sign({ n: 1 }, 100), await sign({ n: "rogue" }, 101, rogue), relayed];
      block = await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: blockOps,
      });
      await (
        await DataBlockJudge__factory.connect(
          await fx.ledger.dataBlockJudge(),
          fx.stranger,
        ).challenge(block.blockId, blockOps[1], 1, block.proof(1))
      ).wait();
      await indexer.syncToHead();
    });

    after(async () => {
      await db.close();
      await connection.close();
    });

    it("byDataHash: every record of a data hash, any source, in chain order", async () => {
      const records = await m2s.byDataHash(sharedHash.toUpperCase().replace("0X", "0x"));
      expect(ids(records)).to.deep.equal([
        direct,
        recordId(relayed.source, relayed.record),
        recordId(relayed.source, relayed.record),
      ]);
      expect(records.map((r) => [r.kind, r.sourceId, r.leafIndex])).to.deep.equal([
        ["direct", "1", null],
        ["relayed", "2", null],
        ["block", "2", 2],
      ]);
      expect(await m2s.byDataHash(keccak256(toBytes("never")))).to.deep.equal([]);
    });

    it("byRecordId: every anchoring of one record, with receipts verifyReceipt judges against the chain", async () => {
      const occurrences = await m2s.byRecordId(recordId(relayed.source, relayed.record));
      expect(occurrences.map((r) => r.kind)).to.deep.equal(["relayed", "block"]);
      const [alone, inBlock] = occurrences;
      expect(alone).to.include({ blockId: null, root: null, proof: null, blockDisputes: null });
      expect(inBlock).to.include({ blockId: block.blockId, leafIndex: 2, status: "active" });
      expect(inBlock.proof).to.deep.equal(block.proof(2));
      const publicClient = createPublicClient({ transport: custom(connection.provider) });
      const verify = (payload: unknown, record: IndexedRecord) =>
        verifyReceipt({ payload, receipt: record.receipt!, publicClient, ledgerAddress });
      const verified = await verify(shared, alone);
      expect([verified.sourceId, verified.anchoredAt]).to.deep.equal([2n, alone.anchoredAt]);
      const [leaf0] = (await m2s.search({ sampledFrom: 100, sampledTo: 100, limit: 1 })).records;
      expect((await verify({ n: 1 }, leaf0)).recordId).to.equal(leaf0.recordId);
      // The block's repeat of a record anchored before is a valid receipt of a leaf the judge
      // would strike (DuplicateRecord): the receipt is complete enough for verifyReceipt to say so.
      await expectCode(verify(shared, inBlock), "RECEIPT_OPERATION_CHALLENGEABLE");
      const [own] = await m2s.byRecordId(direct);
      expect(own).to.include({ kind: "direct", receipt: null, status: "active" });
      expect(await m2s.byRecordId(sharedHash)).to.deep.equal([]);
    });

    it("derives each record's status: superseded, its successor active, revoked", async () => {
      const status = async (id: Hex) => (await m2s.byRecordId(id)).map((r) => r.status);
      expect(await status(superseded)).to.deep.equal(["superseded"]);
      expect(await status(successor)).to.deep.equal(["active"]);
      expect(await status(revoked)).to.deep.equal(["revoked"]);
    });

    it("strikes only the disputed leaf of a block, and lists the block's disputes on every leaf", async () => {
      const leaves = (await m2s.search({ sampledFrom: 100, sampledTo: 101, limit: 10 })).records;
      expect(leaves.map((r) => [r.leafIndex, r.status, r.sourceId])).to.deep.equal([
        [0, "active", "2"],
        [1, "disputed", null],
      ]);
      for (const leaf of [
        ...leaves,
        ...(await m2s.byRecordId(recordId(relayed.source, relayed.record))).slice(1),
      ]) {
        expect(leaf.blockDisputes).to.deep.equal([
          { reason: "InactiveSource", leaf: block.leaf(1).toLowerCase() },
        ]);
      }
    });

    it("search: filters, dataset scope (empty matches nothing) and the position cursor", async () => {
      const first = await m2s.search({ dataHash: sharedHash, limit: 2 });
      expect(first.more).to.equal(true);
      expect(first.records.map((r) => r.kind)).to.deep.equal(["direct", "relayed"]);
      const last = first.records[1];
      const rest = await m2s.search({
        dataHash: sharedHash,
        after: [last.blockNumber, last.logIndex, last.leafIndex ?? -1],
        limit: 2,
      });
      expect(rest.more).to.equal(false);
      expect(rest.records.map((r) => [r.kind, r.leafIndex])).to.deep.equal([["block", 2]]);

      expect((await m2s.search({ sourceIds: [], limit: 50 })).records).to.deep.equal([]);
      expect((await m2s.search({ formatIds: [], limit: 50 })).records).to.deep.equal([]);
      const scoped = await m2s.search({
        sourceIds: ["2"],
        formatIds: [fx.formatId.toUpperCase().replace("0X", "0x")],
        limit: 50,
      });
      expect(scoped.records.map((r) => [r.kind, r.leafIndex])).to.deep.equal([
        ["relayed", null],
        ["block", 0],
        ["block", 2],
      ]);
      const byKey = await m2s.search({ sourceKey: fx.sourceKey.address, limit: 50 });
      expect(ids(byKey.records)).to.deep.equal([direct, superseded, successor, revoked]);
      expect(
        ids((await m2s.search({ sourceId: "1", sampledFrom: 21, limit: 50 })).records),
      ).to.deep.equal([successor, revoked]);
      expect((await m2s.search({ formatId: fx.otherFormatId, limit: 50 })).records).to.deep.equal(
        [],
      );
    });

    it("datasetMembers and datasetsContaining follow the latest membership event", async () => {
      expect(await m2s.datasetMembers(1n, "source")).to.deep.equal(["2"]);
      expect(await m2s.datasetMembers(1n, "format")).to.deep.equal([format]);
      expect(await m2s.datasetMembers(3n, "source")).to.deep.equal([]);
      expect(
        await m2s.datasetsContaining("2", fx.formatId.toUpperCase().replace("0X", "0x")),
      ).to.deep.equal([1n, 2n]);
      expect(await m2s.datasetsContaining("1", fx.formatId)).to.deep.equal([]);
      expect(await m2s.datasetsContaining("2", fx.otherFormatId)).to.deep.equal([]);
    });

    it("reports finality from the indexer's checkpoint: final once deeper than the confirmations", async () => {
      const latest = async () => (await m2s.search({ sampledFrom: 100, limit: 10 })).records;
      expect((await m2s.byRecordId(direct))[0].finalized).to.equal(true);
      // The leaves are one block below the head (the challenge is the head): within 2 confirmations.
      expect((await latest()).map((r) => r.finalized)).to.deep.equal([false, false]);
      await connection.provider.request({ method: "hardhat_mine", params: ["0x3"] });
      await indexer.syncToHead();
      expect((await latest()).map((r) => r.finalized)).to.deep.equal([true, true]);
    });
  });
}
