import { expect } from "chai";
import { keccak256, toBytes, type Hex } from "viem";

import { insertAcceptedRecords } from "../../../offchain/representation/outbox/insertAcceptedRecords.js";
import { representationMigrations } from "../../../offchain/representation/outbox/migrations.js";
import {
  TransactionStore,
  type AnchoringSubject,
  type SignedTransaction,
} from "../../../offchain/representation/outbox/TransactionStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { outboxSubmission } from "../../helpers/outboxSubmission.js";

const BLOCK_ID = keccak256(toBytes("block"));
const BLOCK_HASH = keccak256(toBytes("chain block 7"));

function signed(nonce: number, label: string, fee = 10n): SignedTransaction {
  return {
    nonce,
    to: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    data: "0x1234",
    gasLimit: 100_000n,
    maxFeePerGas: fee,
    maxPriorityFeePerGas: fee / 2n,
    raw: `0x02${label}`,
    txHash: keccak256(toBytes(label)),
  };
}

/** A packed block (created at t = 2) and a relayed record (accepted at t = 1). */
async function seed(db: Database): Promise<{ block: AnchoringSubject; record: AnchoringSubject }> {
  await migrate(db, representationMigrations);
  const relayed = outboxSubmission(1, "relayed");
  await insertAcceptedRecords(db, [{ submission: relayed, acceptedAt: 1 }]);
  await db.query(
    `insert into gateway_blocks (block_id, root, count, first_seq, last_seq, first_sampled_at,
       last_sampled_at, uri, nodes, status, created_at)
     values ($1, $2, 1, 100, 100, 10, 20, 'blob:x', '\\x00'::bytea, 'packed', 2)`,
    [BLOCK_ID, keccak256(toBytes("root"))],
  );
  return {
    block: { kind: "block", id: BLOCK_ID },
    record: { kind: "record", id: relayed.recordId },
  };
}

async function statusOf(db: Database, subject: AnchoringSubject) {
  const [row] = await db.query<{
    status: string;
    tx_hash: Hex | null;
    block_number: number | null;
    anchored_at: number | null;
    failure: unknown;
  }>(
    subject.kind === "block"
      ? `select status, tx_hash, block_number::float8 as block_number,
           anchored_at::float8 as anchored_at, null as failure
         from gateway_blocks where block_id = $1`
      : `select status, tx_hash, block_number::float8 as block_number,
           anchored_at::float8 as anchored_at, failure
         from gateway_records where record_id = $1`,
    [subject.id],
  );
  return row;
}

async function txStatuses(db: Database): Promise<Record<string, string>> {
  const rows = await db.query<{ tx_hash: string; status: string }>(
    "select tx_hash, status from gateway_txs",
  );
  return Object.fromEntries(rows.map((row) => [row.tx_hash, row.status]));
}

for (const target of databaseTargets()) {
  describe(`offchain/representation: the outbox's TransactionStore on ${target.name}`, () => {
    it("queues packed blocks and accepted relayed records oldest first, and reads their calls", async () => {
      const db = await target.open();
      try {
        const { block, record } = await seed(db);
        expect(await new TransactionStore(db).due(16)).to.deep.equal([record, block]);
        expect(await new TransactionStore(db).due(1)).to.deep.equal([record]);
        const store = new TransactionStore(db);
        expect(await store.content(block)).to.deep.include({
          kind: "block",
          count: 1,
          firstSampledAt: 10,
          lastSampledAt: 20,
          uri: "blob:x",
        });
        const content = await store.content(record);
        expect(content.kind === "record" && content.operation).to.deep.equal(
          outboxSubmission(1, "relayed").operation,
        );
      } finally {
        await db.close();
      }
    });

    it("stores a signed transaction with its subject submitted, and reads it back typed", async () => {
      const db = await target.open();
      try {
        const { block, record } = await seed(db);
        const store = new TransactionStore(db);
        await store.insertPending(block, signed(4, "a"), 1000);
        expect((await statusOf(db, block)).status).to.equal("submitted");
        expect(await store.due(16)).to.deep.equal([record]);
        const [pending] = await store.pending();
        expect(pending).to.deep.include({
          subject: block,
          nonce: 4,
          gasLimit: 100_000n,
          maxFeePerGas: 10n,
          maxPriorityFeePerGas: 5n,
          broadcastAt: null,
        });
        await store.markBroadcast(pending.txHash, 1234);
        expect((await store.pending())[0].broadcastAt).to.equal(1234);
        expect(await store.highestPendingNonce()).to.equal(4);
      } finally {
        await db.close();
      }
    });

    it("anchors a subject by its mined transaction and replaces its pending siblings, in one statement", async () => {
      const db = await target.open();
      try {
        const { block } = await seed(db);
        const store = new TransactionStore(db);
        await store.insertPending(block, signed(4, "first"), 1000);
        await store.insertPending(block, signed(4, "bumped", 13n), 2000);
        const first = (await store.pending()).find((tx) => tx.raw === "0x02first")!;
        await store.markAnchored(
          block,
          { txHash: first.txHash, blockNumber: 7, blockHash: BLOCK_HASH, anchoredAt: 99 },
          first.id,
        );
        expect(await txStatuses(db)).to.deep.equal({
          [first.txHash]: "mined",
          [signed(4, "bumped").txHash]: "replaced",
        });
        expect(await statusOf(db, block)).to.deep.include({
          status: "anchored",
          tx_hash: first.txHash,
          block_number: 7,
          anchored_at: 99,
        });
        expect(await store.highestPendingNonce()).to.equal(undefined);
        expect(await store.minedBlocksAbove(6)).to.deep.equal([{ number: 7, hash: BLOCK_HASH }]);
        expect(await store.minedBlocksAbove(7)).to.deep.equal([]);
        expect(await store.minedBlocksBelow(8)).to.deep.equal([{ number: 7, hash: BLOCK_HASH }]);
      } finally {
        await db.close();
      }
    });

    it("unwinds an orphaned block: its transaction pending again, its subject submitted with no anchoring left", async () => {
      const db = await target.open();
      try {
        const { block, record } = await seed(db);
        const store = new TransactionStore(db);
        await store.insertPending(block, signed(4, "a"), 1000);
        const [tx] = await store.pending();
        await store.markAnchored(
          block,
          { txHash: tx.txHash, blockNumber: 7, blockHash: BLOCK_HASH, anchoredAt: 99 },
          tx.id,
        );
        // The relayed record was anchored on the ledger's word alone (no transaction of ours).
        await store.markAnchored(record, { anchoredAt: 50 });
        expect(await store.anchoredWithoutReceipt(-1)).to.deep.equal([record]);

        // Another hash at the same height is not our block: nothing moves.
        expect(await store.unwindOrphaned([{ number: 7, hash: "0xother" }], [])).to.deep.equal([]);
        expect((await statusOf(db, block)).status).to.equal("anchored");

        const moved = await store.unwindOrphaned([{ number: 7, hash: BLOCK_HASH }], [record]);
        expect(moved).to.deep.equal([{ subject: block, blockNumber: 7 }]);
        expect(await txStatuses(db)).to.deep.equal({ [tx.txHash]: "pending" });
        expect(await statusOf(db, block)).to.deep.include({
          status: "submitted",
          tx_hash: null,
          block_number: null,
          anchored_at: null,
        });
        // A lost finding goes back to the queue, to be sent afresh.
        expect(await statusOf(db, record)).to.deep.include({
          status: "accepted",
          anchored_at: null,
        });
        expect(await store.due(16)).to.deep.equal([record]);
      } finally {
        await db.close();
      }
    });

    it("fails a relayed record with its revert, and a reopen clears it back to the queue", async () => {
      const db = await target.open();
      try {
        const { block, record } = await seed(db);
        const store = new TransactionStore(db);
        await store.markFailed(record, "DataRegistryDataHashHeld");
        expect(await statusOf(db, record)).to.deep.include({
          status: "failed",
          failure: { revert: "DataRegistryDataHashHeld" },
        });
        expect(await store.due(16)).to.deep.equal([block]);

        await store.insertPending(record, signed(5, "r"), 1000);
        await store.reopen(record, "failed");
        expect(await txStatuses(db)).to.deep.equal({ [signed(5, "r").txHash]: "failed" });
        expect(await statusOf(db, record)).to.deep.include({ status: "accepted", failure: null });

        await store.insertPending(block, signed(6, "b"), 1000);
        await store.reopen(block, "replaced");
        expect(await txStatuses(db)).to.deep.include({ [signed(6, "b").txHash]: "replaced" });
        expect((await statusOf(db, block)).status).to.equal("packed");
      } finally {
        await db.close();
      }
    });
  });
}
