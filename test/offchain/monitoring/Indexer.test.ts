import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { defineIndexerConfig } from "../../../offchain/monitoring/indexer/config.js";
import { Indexer } from "../../../offchain/monitoring/indexer/Indexer.js";
import { createRecord } from "../../../offchain/sdk/createRecord.js";
import { leafHash } from "../../../offchain/sdk/leafHash.js";
import { verifyDataBlockProof } from "../../../offchain/sdk/verifyDataBlockProof.js";
import { ledgerDomain } from "../../../offchain/sdk/ledgerDomain.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import { signRecord } from "../../../offchain/sdk/signRecord.js";
import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import { DataBlockJudge__factory } from "../../../types/ethers-contracts/index.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { deployLedger, type LedgerFixture } from "../../fixtures/deployLedger.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { publishDataBlock } from "../../helpers/publishDataBlock.js";
import { keyProof } from "../../helpers/keyProof.js";

const counts = async (db: Database) => {
  const out: Record<string, number> = {};
  for (const table of [
    "idx_events",
    "idx_records",
    "idx_data_blocks",
    "idx_status_changes",
    "idx_source_keys",
    "idx_source_epochs",
    "idx_dataset_members",
  ]) {
    out[table] = Number(
      (await db.query<{ n: string }>(`select count(*)::text as n from ${table}`))[0].n,
    );
  }
  return out;
};

for (const target of databaseTargets()) {
  describe(`offchain/monitoring: Indexer (${target.name})`, function () {
    this.timeout(120_000);
    let db: Database;
    let fx: LedgerFixture;
    let indexer: Indexer;
    let blobs: DirectoryBlobStore;
    let connection: Awaited<ReturnType<typeof network.create>>;
    const device = privateKeyToAccount(generatePrivateKey());
    const rogue = privateKeyToAccount(generatePrivateKey());
    let domain: ReturnType<typeof ledgerDomain>;
    let deviceSourceId: bigint;

    async function now(): Promise<number> {
      return Number((await connection.ethers.provider.getBlock("latest"))!.timestamp);
    }

    /** The signing epoch `key`'s source is in now (0 for a key that is no source's). */
    async function epochOf(key: string): Promise<number> {
      return Number((await fx.ledger.getSource(await fx.ledger.sourceIdOf(key))).epoch);
    }

    async function sign(payload: unknown, account = device, sampledAt = 1_760_000_000) {
      const { record, canonicalPayload } = createRecord({
        payload,
        formatId: fx.formatId as Hex,
        sampledAt,
        uri: "blob:payload",
      });
      await blobs.put(toBytes(canonicalPayload));
      const epoch = await epochOf(account.address);
      return signRecord({ account, domain, record, deadline: (await now()) + 3600, epoch });
    }

    const rows = (sql: string, params: unknown[] = []) =>
      db.query<Record<string, string>>(sql, params);

    before(async () => {
      connection = await network.create();
      fx = await deployLedger(connection as Parameters<typeof deployLedger>[0]);
      db = await target.open();
      blobs = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "idx-blobs-")));
      const ledgerAddress = (await fx.ledger.getAddress()) as Hex;
      domain = ledgerDomain((await connection.ethers.provider.getNetwork()).chainId, ledgerAddress);
      await fx.ledger
        .connect(fx.operator)
        .registerSource(
          device.address,
          fx.sourceOwner.address,
          keccak256(toBytes("device")),
          "ipfs://d",
          [fx.formatId],
          await keyProof(fx.ledger, device, fx.sourceOwner.address),
        );
      deviceSourceId = await fx.ledger.sourceIdOf(device.address);
      indexer = new Indexer({
        config: defineIndexerConfig({
          chainId: (await connection.ethers.provider.getNetwork()).chainId,
          contracts: {
            ledger: { address: ledgerAddress },
            access: { address: await fx.access.getAddress() },
          },
          confirmations: 5,
          batchSize: 7,
        }),
        db,
        provider: connection.ethers.provider,
        blobs,
      });
      await indexer.migrate();
    });

    after(async () => {
      await db.close();
      await connection.close();
    });

    it("indexes direct, relayed and data block records, resolving source ids by key", async () => {
      const { record: direct } = createRecord({
        payload: { n: "direct" },
        formatId: fx.formatId as Hex,
        sampledAt: 10,
      });
      await (await fx.ledger.connect(fx.sourceKey).submitRecord(direct)).wait();
      const relayed = await sign({ n: "relayed" });
      await (
        await fx.ledger
          .connect(fx.stranger)
          .submitRecordBySig(relayed.source, relayed.record, relayed.deadline, relayed.signature)
      ).wait();
      const ops = [
        await sign({ n: 1 }, device, 100),
        await sign({ n: 2 }, device, 200),
        await sign({ n: 3 }, device, 300),
      ];
      const block = await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: ops,
      });

      const result = await indexer.syncToHead();
      expect(result.toBlock).to.equal(result.head);

      const records = await rows(
        "select kind, record_id, data_hash, source_key, source_id::text as source_id, leaf_index, block_id, block_root, leaf, proof, signature, deadline::text as deadline, epoch::text as epoch from idx_records order by block_number, log_index, leaf_index",
      );
      expect(records.map((r) => r.kind)).to.deep.equal([
        "direct",
        "relayed",
        "block",
        "block",
        "block",
      ]);
      expect(records[0].data_hash).to.equal(direct.dataHash);
      expect(records[0].record_id).to.equal(recordId(fx.sourceKey.address as Hex, direct));
      expect(records[1].record_id).to.equal(recordId(relayed.source, relayed.record));
      expect(records[0].source_id).to.equal("1");
      expect(records[0].signature).to.equal(null);
      expect(records[0].epoch).to.equal(null);
      expect(records[1].signature).to.equal(relayed.signature.toLowerCase());
      expect(records[1].deadline).to.equal(String(relayed.deadline));
      expect(records[1].epoch).to.equal("0");
      expect(records[1].source_id).to.equal(deviceSourceId.toString());
      for (const [i, r] of records.slice(2).entries()) {
        expect(r.data_hash).to.equal(ops[i].record.dataHash);
        expect(r.record_id).to.equal(recordId(ops[i].source, ops[i].record));
        expect(r.source_id).to.equal(deviceSourceId.toString());
        expect(Number(r.leaf_index)).to.equal(i);
        expect(r.epoch).to.equal(String(ops[i].epoch));
        expect(r.block_root).to.equal(block.root.toLowerCase());
        expect(r.block_id).to.equal(block.blockId);
        const gateway = fx.gateway.address as Hex;
        expect(r.leaf).to.equal(leafHash(gateway, ops[i]));
        const proof = r.proof as unknown as Hex[];
        expect(
          verifyDataBlockProof({
            blockId: block.blockId,
            gateway,
            leaf: leafHash(gateway, ops[i]),
            leafIndex: i,
            proof,
            count: 3,
          }),
        ).to.equal(true);
        const judge = DataBlockJudge__factory.connect(
          await fx.ledger.dataBlockJudge(),
          connection.ethers.provider,
        );
        expect(await judge.verifyInclusion(block.blockId, ops[i], i, proof)).to.equal(true);
      }
      const [dataBlock] = await rows(
        "select verification, reason, count, block_id, chain_id::text as chain_id from idx_data_blocks",
      );
      expect(dataBlock).to.deep.include({
        verification: "verified",
        reason: null,
        block_id: block.blockId,
        chain_id: String((await connection.ethers.provider.getNetwork()).chainId),
      });
      const names = (await rows("select distinct event_name from idx_events")).map(
        (r) => r.event_name,
      );
      expect(names).to.include.members([
        "RecordAnchored",
        "DataBlockAnchored",
        "SourceRegistered",
        "DatasetCreated",
        "RoleGranted",
      ]);
    });

    it("keeps one row per record when two sources anchor the same data hash", async () => {
      // One payload, two statements: the direct record of source 1 and a block leaf of the device.
      const shared = await sign({ n: "shared" }, device, 400);
      await (await fx.ledger.connect(fx.sourceKey).submitRecord(shared.record)).wait();
      await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: [shared],
      });
      await indexer.syncToHead();
      const found = await rows(
        "select kind, record_id, source_key from idx_records where data_hash = $1 order by block_number",
        [shared.record.dataHash],
      );
      expect(found).to.deep.equal([
        {
          kind: "direct",
          record_id: recordId(fx.sourceKey.address as Hex, shared.record),
          source_key: fx.sourceKey.address.toLowerCase(),
        },
        {
          kind: "block",
          record_id: recordId(device.address, shared.record),
          source_key: device.address.toLowerCase(),
        },
      ]);
      expect(found[0].record_id).not.to.equal(found[1].record_id);
    });

    it("indexes SourceEpochChanged and keeps the epoch each relayed record and block leaf was signed in", async () => {
      const e0 = await epochOf(device.address);
      const before = await sign({ n: "relayed before the suspension" });
      expect(before.epoch).to.equal(e0);
      // Relayed, then suspended and reactivated, in one block: the record's epoch is the one its
      // log came in, not the block's last.
      const provider = connection.ethers.provider;
      const gas = { gasLimit: 1_000_000 };
      await provider.send("evm_setAutomine", [false]);
      let txs;
      try {
        txs = [
          await fx.ledger
            .connect(fx.stranger)
            .submitRecordBySig(
              before.source,
              before.record,
              before.deadline,
              before.signature,
              gas,
            ),
          await fx.ledger.connect(fx.operator).suspendSource(deviceSourceId, 0, gas),
          await fx.ledger.connect(fx.operator).reactivateSource(deviceSourceId, gas),
        ];
        await provider.send("evm_mine", []);
      } finally {
        await provider.send("evm_setAutomine", [true]);
      }
      const receipts = await Promise.all(txs.map((tx) => tx.wait()));
      expect(new Set(receipts.map((r) => r!.blockNumber)).size, "one block").to.equal(1);
      expect(receipts.map((r) => r!.status)).to.deep.equal([1, 1, 1]);

      const after = await sign({ n: "relayed after the reactivation" });
      expect(after.epoch).to.equal(e0 + 2);
      await (
        await fx.ledger
          .connect(fx.stranger)
          .submitRecordBySig(after.source, after.record, after.deadline, after.signature)
      ).wait();
      const leaf = await sign({ n: "leaf after the reactivation" });
      await publishDataBlock({ ledger: fx.ledger, gateway: fx.gateway, blobs, operations: [leaf] });
      await indexer.syncToHead();

      const epochs = await rows(
        "select epoch::text as epoch, block_number::text as block_number from idx_source_epochs where source_id = $1 order by block_number, log_index",
        [deviceSourceId.toString()],
      );
      expect(epochs.map((e) => e.epoch)).to.deep.equal([String(e0 + 1), String(e0 + 2)]);
      expect(epochs.map((e) => Number(e.block_number))).to.deep.equal([
        receipts[0]!.blockNumber,
        receipts[0]!.blockNumber,
      ]);
      const epochOfRecord = async (op: SignedOperation) =>
        (
          await rows("select kind, epoch::text as epoch from idx_records where record_id = $1", [
            recordId(op.source, op.record),
          ])
        ).map((r) => [r.kind, r.epoch]);
      expect(await epochOfRecord(before)).to.deep.equal([["relayed", String(e0)]]);
      expect(await epochOfRecord(after)).to.deep.equal([["relayed", String(e0 + 2)]]);
      expect(await epochOfRecord(leaf)).to.deep.equal([["block", String(e0 + 2)]]);
    });

    it("marks a block unverifiable when its document's epochs are missing, out of range or not the signed ones", async () => {
      const withoutEpoch = (op: SignedOperation) =>
        Object.fromEntries(Object.entries(op).filter(([key]) => key !== "epoch"));
      // What the document lists in place of the anchored operation, and what the index makes of it.
      const variants: [(op: SignedOperation) => unknown, string, string | null][] = [
        [(op) => op, "verified", null],
        [withoutEpoch, "unverifiable", "DOCUMENT_MALFORMED"],
        [(op) => ({ ...op, epoch: 2 ** 32 }), "unverifiable", "DOCUMENT_MALFORMED"],
        [(op) => ({ ...op, epoch: -1 }), "unverifiable", "DOCUMENT_MALFORMED"],
        // Another epoch is another leaf: the document no longer adds up to the anchored root.
        [(op) => ({ ...op, epoch: op.epoch + 1 }), "unverifiable", "ROOT_MISMATCH"],
      ];
      const roots: string[] = [];
      for (const [i, [listed]] of variants.entries()) {
        const anchored = await sign({ n: "epoch in the document", i });
        const block = await publishDataBlock({
          ledger: fx.ledger,
          gateway: fx.gateway,
          blobs,
          operations: [anchored],
          documentOperations: [listed(anchored) as SignedOperation],
        });
        roots.push(block.root.toLowerCase());
      }
      await indexer.syncToHead();
      for (const [i, [, verification, reason]] of variants.entries()) {
        const found = await rows(
          "select verification, reason from idx_data_blocks where root = $1",
          [roots[i]],
        );
        expect(found, `document ${i}`).to.deep.equal([{ verification, reason }]);
      }
    });

    it("is idempotent when re-run over the same range", async () => {
      const before = await counts(db);
      const head = await connection.ethers.provider.getBlockNumber();
      await indexer.syncRange(0, head);
      await indexer.syncRange(Math.max(0, head - 3), head);
      expect(await counts(db)).to.deep.equal(before);
      expect(await indexer.indexedBlock()).to.equal(head);
    });

    it("marks blocks whose document does not match the anchored root unverifiable and indexes nothing from them", async () => {
      const honest = [await sign({ n: "h1" }), await sign({ n: "h2" })];
      const forged = [await sign({ n: "f1" }), await sign({ n: "f2" })];
      const mismatch = await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: honest,
        documentOperations: forged,
      });
      const missing = await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: [await sign({ n: "m1" })],
        uri: `blob:${keccak256(toBytes("never stored"))}`,
      });
      const foreign = await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: [await sign({ n: "i1" })],
        uri: "ipfs://bafy-elsewhere",
      });
      await indexer.syncToHead();
      const reasons = await rows(
        "select root, verification, reason from idx_data_blocks where root = any($1)",
        [[mismatch.root, missing.root, foreign.root].map((r) => r.toLowerCase())],
      );
      const byRoot = Object.fromEntries(reasons.map((r) => [r.root, r.reason]));
      expect(byRoot[mismatch.root.toLowerCase()]).to.equal("ROOT_MISMATCH");
      expect(byRoot[missing.root.toLowerCase()]).to.equal("DOCUMENT_NOT_FOUND");
      expect(byRoot[foreign.root.toLowerCase()]).to.equal("URI_NOT_BLOB");
      expect(reasons.every((r) => r.verification === "unverifiable")).to.equal(true);
      const leaked = await rows(
        "select 1 from idx_records where block_root = any($1) or data_hash = any($2)",
        [
          [mismatch.root, missing.root, foreign.root].map((r) => r.toLowerCase()),
          [...honest, ...forged].map((op) => op.record.dataHash),
        ],
      );
      expect(leaked).to.have.length(0);
    });

    it("indexes the operations of a block whose count is too high, and its WrongCount dispute", async () => {
      // Three operations anchored as four: slot 3 is empty, which challengeCount proves.
      const ops = [await sign({ n: "c1" }), await sign({ n: "c2" }), await sign({ n: "c3" })];
      const block = await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: ops,
        count: 4,
      });
      const zero = `0x${"00".repeat(32)}`;
      await (
        await DataBlockJudge__factory.connect(
          await fx.ledger.dataBlockJudge(),
          fx.stranger,
        ).challengeCount(block.blockId, 3, zero, block.proof(3))
      ).wait();
      await indexer.syncToHead();
      expect(
        await rows("select verification, reason, count from idx_data_blocks where block_id = $1", [
          block.blockId,
        ]),
      ).to.deep.equal([{ verification: "verified", reason: "COUNT_TOO_HIGH", count: 4 }]);
      const leaves = await rows(
        "select leaf_index, leaf from idx_records where block_id = $1 order by leaf_index",
        [block.blockId],
      );
      expect(leaves).to.deep.equal(ops.map((_, i) => ({ leaf_index: i, leaf: block.leaf(i) })));
      const disputes = await rows(
        "select status, reason, related from idx_status_changes where subject = $1",
        [block.blockId],
      );
      // WrongCount (9) names the empty slot, not an operation: no listed leaf is struck.
      expect(disputes).to.deep.equal([{ status: "disputed", reason: 9, related: zero }]);
    });

    it("records revocations, updates, key rotations and disputes as status changes", async () => {
      const { record: first } = createRecord({
        payload: { v: 1 },
        formatId: fx.formatId as Hex,
        sampledAt: 1,
      });
      const { record: second } = createRecord({
        payload: { v: 2 },
        formatId: fx.formatId as Hex,
        sampledAt: 2,
      });
      const { record: gone } = createRecord({
        payload: { v: "gone" },
        formatId: fx.formatId as Hex,
        sampledAt: 3,
      });
      const idOf = (record: { dataHash: Hex; sampledAt: number }) =>
        recordId(fx.sourceKey.address as Hex, record);
      await (await fx.ledger.connect(fx.sourceKey).submitRecord(first)).wait();
      await (await fx.ledger.connect(fx.sourceKey).updateRecord(idOf(first), second)).wait();
      await (await fx.ledger.connect(fx.sourceKey).submitRecord(gone)).wait();
      await (await fx.ledger.connect(fx.sourceKey).revokeRecord(idOf(gone), 7)).wait();

      const bad: SignedOperation = await sign({ n: "rogue" }, rogue);
      const block = await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: [await sign({ n: "ok" }), bad],
      });
      await (
        await DataBlockJudge__factory.connect(
          await fx.ledger.dataBlockJudge(),
          fx.stranger,
        ).challenge(block.blockId, bad, 1, block.proof(1))
      ).wait();

      const [newKey] = fx.spare;
      await (
        await fx.ledger
          .connect(fx.sourceOwner)
          .rotateSourceKey(1n, newKey.address, await keyProof(fx.ledger, newKey, fx.sourceOwner))
      ).wait();

      await indexer.syncToHead();
      const changes = await rows(
        "select subject, status, reason, related from idx_status_changes order by block_number, log_index",
      );
      // Status subjects are record ids, never bare data hashes.
      expect(changes).to.deep.include({
        subject: idOf(first),
        status: "superseded",
        reason: null,
        related: idOf(second),
      });
      expect(changes.find((c) => c.subject === gone.dataHash)).to.equal(undefined);
      expect(changes.find((c) => c.subject === idOf(gone))).to.include({
        status: "revoked",
        reason: 7,
      });
      expect(changes.find((c) => c.subject === block.blockId)).to.deep.include({
        status: "disputed",
        related: block.leaf(1),
      });
      const keys = await rows(
        "select key from idx_source_keys where source_id = 1 order by block_number",
      );
      // The rotation moved source 1 to its next epoch.
      const epochs = await rows(
        "select epoch::text as epoch from idx_source_epochs where source_id = 1 order by block_number, log_index",
      );
      expect(epochs.map((e) => e.epoch)).to.deep.equal(["1"]);
      expect(keys.map((k) => k.key)).to.deep.equal([
        fx.sourceKey.address.toLowerCase(),
        newKey.address.toLowerCase(),
      ]);
      const rogueRow = await rows("select source_id from idx_records where source_key = $1", [
        rogue.address.toLowerCase(),
      ]);
      expect(rogueRow).to.have.length(1);
      expect(rogueRow[0].source_id).to.equal(null);
    });

    it("rolls back rows of orphaned blocks after a reorg and indexes the new branch", async () => {
      const provider = connection.ethers.provider;
      await indexer.syncToHead();
      const snapshot = await provider.send("evm_snapshot", []);
      const { record: orphan } = createRecord({
        payload: { branch: "old" },
        formatId: fx.formatId as Hex,
        sampledAt: 5,
      });
      await (await fx.ledger.connect(fx.spare[0]).submitRecord(orphan)).wait();
      const orphanBlock = [await sign({ n: "orphan-block" })];
      await publishDataBlock({
        ledger: fx.ledger,
        gateway: fx.gateway,
        blobs,
        operations: orphanBlock,
      });
      await indexer.syncToHead();
      expect(
        await rows("select 1 from idx_records where data_hash = $1", [orphan.dataHash]),
      ).to.have.length(1);
      const forkHead = await provider.getBlockNumber();

      await provider.send("evm_revert", [snapshot]);
      const { record: replacement } = createRecord({
        payload: { branch: "new" },
        formatId: fx.formatId as Hex,
        sampledAt: 6,
      });
      await (await fx.ledger.connect(fx.spare[0]).submitRecord(replacement)).wait();
      await provider.send("hardhat_mine", ["0x3"]);

      const result = await indexer.sync();
      expect(result.reorgedFrom).to.be.a("number");
      expect(result.reorgedFrom!).to.be.at.most(forkHead - 1);
      await indexer.syncToHead();
      expect(
        await rows("select 1 from idx_records where data_hash = $1", [orphan.dataHash]),
      ).to.have.length(0);
      expect(
        await rows("select 1 from idx_records where data_hash = $1", [
          orphanBlock[0].record.dataHash,
        ]),
      ).to.have.length(0);
      expect(
        await rows("select 1 from idx_records where data_hash = $1", [replacement.dataHash]),
      ).to.have.length(1);
      const stale = await rows(
        "select e.block_number from idx_events e left join idx_blocks b on b.number = e.block_number where b.hash is not null and b.hash <> e.block_hash",
      );
      expect(stale).to.have.length(0);
      // Whatever the chain holds now, re-indexing from scratch gives the same rows.
      const live = await counts(db);
      await indexer.syncRange(0, await provider.getBlockNumber());
      expect(await counts(db)).to.deep.equal(live);
    });

    it("re-reads the whole orphaned span when the new branch has logs where the old one had none", async () => {
      const provider = connection.ethers.provider;
      await indexer.syncToHead();
      const snapshot = await provider.send("evm_snapshot", []);
      await provider.send("hardhat_mine", ["0x2"]);
      const { record: old } = createRecord({
        payload: { late: "old" },
        formatId: fx.formatId as Hex,
        sampledAt: 8,
      });
      await (await fx.ledger.connect(fx.spare[0]).submitRecord(old)).wait();
      await indexer.syncToHead();

      await provider.send("evm_revert", [snapshot]);
      const { record: early } = createRecord({
        payload: { early: "new" },
        formatId: fx.formatId as Hex,
        sampledAt: 9,
      });
      await (await fx.ledger.connect(fx.spare[0]).submitRecord(early)).wait();
      await provider.send("hardhat_mine", ["0x4"]);
      await indexer.syncToHead();
      expect(
        await rows("select 1 from idx_records where data_hash = $1", [old.dataHash]),
      ).to.have.length(0);
      expect(
        await rows("select 1 from idx_records where data_hash = $1", [early.dataHash]),
      ).to.have.length(1);
    });
  });
}
