import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import type { Hex } from "viem";

import { Batcher } from "../../../offchain/representation/packing/Batcher.js";
import { DataBlockTree } from "../../../offchain/representation/packing/DataBlockTree.js";
import { insertAcceptedRecords } from "../../../offchain/representation/outbox/insertAcceptedRecords.js";
import { representationMigrations } from "../../../offchain/representation/outbox/migrations.js";
import {
  OutboxWriter,
  type StoredRecord,
} from "../../../offchain/representation/outbox/OutboxWriter.js";
import { readRecordState } from "../../../offchain/representation/outbox/readRecordState.js";
import { operationLeaf } from "../../../offchain/representation/recordHashing.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { outboxSubmission } from "../../helpers/outboxSubmission.js";

const entry = (i: number, mode: "block" | "relayed" = "block") => ({
  submission: outboxSubmission(i, mode),
  acceptedAt: Date.now() + i,
});

for (const target of databaseTargets()) {
  describe(`offchain/representation: outbox writer and block ranges on ${target.name}`, () => {
    let db: Database;
    let blobDir: string;

    beforeEach(async () => {
      db = await target.open();
      blobDir = await mkdtemp(path.join(tmpdir(), "dataledger-ranges-"));
    });
    afterEach(async () => {
      await db.close();
      await rm(blobDir, { recursive: true, force: true });
    });

    it("stores requests that wait for a statement together, in order, the first holder of an id winning", async () => {
      await migrate(db, representationMigrations);
      const told: StoredRecord[][] = [];
      const writer = new OutboxWriter(db, { onStored: (records) => told.push(records) });
      const settled: string[] = [];
      const a = writer.write([entry(1), entry(2)]).then((ids) => (settled.push("a"), ids));
      // These two arrive while the first statement runs: one statement stores both.
      const b = writer.write([entry(3), entry(2)]).then((ids) => (settled.push("b"), ids));
      const c = writer
        .write([entry(4, "relayed"), entry(3)])
        .then((ids) => (settled.push("c"), ids));
      const [ia, ib, ic] = await Promise.all([a, b, c]);
      const id = (i: number) => outboxSubmission(i).recordId;
      expect([...ia]).to.have.members([id(1), id(2)]);
      expect([...ib]).to.deep.equal([id(3)]); // 2 was a's
      expect([...ic]).to.deep.equal([id(4)]); // 3 was b's
      expect(told.map((records) => records.length)).to.deep.equal([2, 2]);
      expect(settled).to.deep.equal(["a", "b", "c"]);
      const seqs = told.flat().map((r) => r.seq);
      expect(seqs).to.deep.equal([...seqs].sort((x, y) => x - y));
      const rows = await db.query<{ record_id: Hex }>(
        "select record_id from gateway_records order by seq",
      );
      expect(rows.map((r) => r.record_id)).to.deep.equal([id(1), id(2), id(3), id(4)]);
    });

    it("rejects every request of a failed statement and stores none of it", async () => {
      await migrate(db, representationMigrations);
      const writer = new OutboxWriter(db);
      await writer.write([entry(1)]);
      const bad = entry(2);
      // A mode the table's check refuses fails the whole statement it is part of.
      (bad.submission as { mode: string }).mode = "neither";
      const writes = [[entry(3)], [entry(4), entry(5)], [bad], [entry(6)]];
      const results = await Promise.allSettled(writes.map((w) => writer.write(w)));
      expect(results[2].status).to.equal("rejected");
      // Whatever the grouping, a request was answered "stored" exactly when all its rows are.
      for (const [k, result] of results.entries()) {
        const ids = writes[k].map((e) => e.submission.recordId);
        const rows = await db.query("select 1 from gateway_records where record_id = any($1)", [
          ids,
        ]);
        expect(rows).to.have.length(result.status === "fulfilled" ? ids.length : 0);
      }
      expect([...(await writer.write([entry(7)]))]).to.have.length(1);
    });

    it("packs blocks by sequence range, rereads the outbox when a row was missed, and proves every member", async () => {
      await migrate(db, representationMigrations);
      const blobStore = new DirectoryBlobStore(blobDir);
      const batcher = new Batcher({ db, blobStore, maxBlockSize: 3, maxWaitMs: 60_000 });
      const writer = new OutboxWriter(db, {
        onStored: (records) => batcher.enqueue(records),
      });
      await writer.write([entry(1), entry(2, "relayed"), entry(3)]);
      expect(await batcher.tick()).to.deep.equal([]); // read the outbox; nothing due yet
      // A row the batcher was not told of (written around the writer): its range check fails.
      await insertAcceptedRecords(db, [entry(4)]);
      await writer.write([entry(5), entry(6)]);
      expect(batcher.backlog()).to.equal(4); // what it was told of

      let failure: unknown;
      await batcher.tick().catch((error) => (failure = error));
      expect(String(failure)).to.match(/rereading the outbox/);
      expect(await db.query("select 1 from gateway_blocks")).to.have.length(0);

      const packed = await batcher.tick();
      const id = (i: number) => outboxSubmission(i).recordId;
      expect(packed.map((b) => b.recordIds)).to.deep.equal([[id(1), id(3), id(4)]]);
      // A status poll of a packed record names its block but does not carry the block's tree:
      // that is read only to answer a receipt.
      const rowsRead: Record<string, unknown>[] = [];
      const watched = {
        ...db,
        query: async <Row extends Record<string, unknown>>(sql: string, params?: unknown[]) => {
          const rows = await db.query<Row>(sql, params);
          rowsRead.push(...rows);
          return rows;
        },
      } as Database;
      const polled = await readRecordState(watched, id(3));
      expect(polled).to.deep.include({ status: "packed", root: packed[0].root });
      expect(rowsRead).to.have.length(1);
      expect(rowsRead[0].nodes).to.equal(null);
      expect(batcher.backlog()).to.equal(5); // 3 in a block not yet anchored, 2 waiting

      const byTime = await batcher.tick(Date.now() + 120_000);
      expect(byTime.map((b) => b.recordIds)).to.deep.equal([[id(5), id(6)]]);
      const ranges = await db.query<{ first_seq: string; last_seq: string; count: number }>(
        "select first_seq::text, last_seq::text, count from gateway_blocks order by first_seq",
      );
      expect(ranges.map((r) => r.count)).to.deep.equal([3, 2]);
      expect(Number(ranges[1].first_seq)).to.be.greaterThan(Number(ranges[0].last_seq));

      await db.query("update gateway_blocks set status = 'anchored', tx_hash = '0x01'");
      for (const [i, block] of [...packed, ...byTime].flatMap((b) =>
        b.recordIds.map((r) => [r, b] as const),
      )) {
        rowsRead.length = 0;
        const state = await readRecordState(watched, i);
        expect(rowsRead[0].nodes).to.be.instanceOf(Uint8Array);
        expect(state?.status).to.equal("anchored");
        expect(state?.root).to.equal(block.root);
        const tree = DataBlockTree.of(
          block.recordIds.map(
            (r) =>
              [1, 3, 4, 5, 6].map((k) => outboxSubmission(k)).find((s) => s.recordId === r)!
                .operation,
          ),
        );
        expect(state?.receipt?.proof).to.deep.equal(tree.proof(block.recordIds.indexOf(i)));
      }
      const relayed = await readRecordState(db, id(2));
      expect(relayed?.status).to.equal("accepted");
      expect(relayed?.root).to.equal(undefined);
    });

    it("a restarted batcher finds what waits after the last block, whatever it was told", async () => {
      await migrate(db, representationMigrations);
      const blobStore = new DirectoryBlobStore(blobDir);
      const first = new Batcher({ db, blobStore, maxBlockSize: 2, maxWaitMs: 60_000 });
      const writer = new OutboxWriter(db, { onStored: (r) => first.enqueue(r) });
      await writer.write([1, 2, 3].map((i) => entry(i)));
      expect(await first.tick()).to.have.length(1);

      const second = new Batcher({ db, blobStore, maxBlockSize: 2, maxWaitMs: 60_000 });
      // Told of a record while it has not read the outbox yet: counted once after the read.
      const late = await new OutboxWriter(db, {
        onStored: (r) => second.enqueue(r),
      }).write([entry(4)]);
      expect(late.size).to.equal(1);
      const packed = await second.tick();
      const id = (i: number) => outboxSubmission(i).recordId;
      expect(packed.map((b) => b.recordIds)).to.deep.equal([[id(3), id(4)]]);
      expect(await second.tick(Date.now() + 120_000)).to.deep.equal([]);
    });

    it("upgrades an outbox of representation-002: packed rows keep their block, waiting ones move past it", async () => {
      await migrate(db, representationMigrations.slice(0, 2));
      const ops = [1, 2, 3, 4].map((i) => outboxSubmission(i));
      await insertLegacy(db, ops);
      const tree = DataBlockTree.of([ops[0].operation, ops[2].operation]);
      // A 002-era block holding records 1 and 3 (2 still waits: the old ordering race).
      await db.query(
        `insert into gateway_blocks (root, count, first_sampled_at, last_sampled_at, uri, status,
           created_at, nodes, tx_hash)
         values ($1, 2, 0, 0, 'blob:x', 'anchored', 0, $2, '0x01')`,
        [tree.root, tree.nodes()],
      );
      for (const [k, i] of [0, 2].entries()) {
        await db.query(
          "update gateway_records set status = 'packed', block_root = $1, leaf_index = $2, payload = null where record_id = $3",
          [tree.root, tree.order.indexOf(k), ops[i].recordId],
        );
      }

      await migrate(db, representationMigrations);
      const states = await Promise.all(ops.map((op) => readRecordState(db, op.recordId)));
      expect(states.map((s) => s?.status)).to.deep.equal([
        "anchored",
        "accepted",
        "anchored",
        "accepted",
      ]);
      for (const k of [0, 1]) {
        expect(states[k * 2]?.receipt?.proof).to.deep.equal(tree.proof(k));
      }
      const blobStore = new DirectoryBlobStore(blobDir);
      const batcher = new Batcher({ db, blobStore, maxBlockSize: 2, maxWaitMs: 60_000 });
      const [packed] = await batcher.tick();
      expect(packed.recordIds).to.deep.equal([ops[1].recordId, ops[3].recordId]);
      expect((await readRecordState(db, ops[1].recordId))?.root).to.equal(packed.root);
      expect((await readRecordState(db, ops[0].recordId))?.root).to.equal(tree.root);
    });
  });
}

describe("offchain/representation: DataBlockTree.proofOfLeaf", () => {
  it("finds every member's proof in stored nodes and refuses a stranger", () => {
    for (const n of [1, 2, 5, 64]) {
      const ops = Array.from({ length: n }, (_, i) => outboxSubmission(i).operation);
      const tree = DataBlockTree.of(ops);
      const nodes = tree.nodes();
      for (const [i, op] of ops.entries()) {
        expect(DataBlockTree.proofOfLeaf(nodes, operationLeaf(op))).to.deep.equal(tree.proof(i));
      }
      expect(() =>
        DataBlockTree.proofOfLeaf(nodes, operationLeaf(outboxSubmission(999).operation)),
      ).to.throw(RangeError);
    }
  });
});

/** Rows as the 002-era gateway wrote them (status column, payload in the row). */
async function insertLegacy(
  db: Database,
  submissions: ReturnType<typeof outboxSubmission>[],
): Promise<void> {
  for (const s of submissions) {
    await db.query(
      `insert into gateway_records (record_id, mode, operation, operation_hash, payload, status, accepted_at)
       values ($1, $2, $3, $4, $5, 'accepted', 0)`,
      [s.recordId, s.mode, JSON.stringify(s.operation), s.operationHash, s.payloadText],
    );
  }
}
