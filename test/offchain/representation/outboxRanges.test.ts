import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { getAddress, type Address, type Hex } from "viem";

import { Batcher } from "../../../offchain/representation/packing/Batcher.js";
import { DataBlockTree } from "../../../offchain/representation/packing/DataBlockTree.js";
import { insertAcceptedRecords } from "../../../offchain/representation/outbox/insertAcceptedRecords.js";
import {
  refuseOutdatedOutbox,
  representationMigrations,
} from "../../../offchain/representation/outbox/migrations.js";
import {
  OutboxWriter,
  type StoredRecord,
} from "../../../offchain/representation/outbox/OutboxWriter.js";
import { readRecordState } from "../../../offchain/representation/outbox/readRecordState.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { expectCode } from "../../helpers/expectCode.js";
import { outboxSubmission } from "../../helpers/outboxSubmission.js";

/** The gateway packing these blocks: its address is in every leaf and block id. */
const GATEWAY = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8") as Address;

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
      const batcher = new Batcher({
        db,
        gateway: GATEWAY,
        blobStore,
        maxBlockSize: 3,
        maxWaitMs: 60_000,
      });
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
      expect(polled).to.deep.include({
        status: "packed",
        blockId: packed[0].blockId,
        root: packed[0].root,
      });
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
          GATEWAY,
          block.recordIds.map(
            (r) =>
              [1, 3, 4, 5, 6].map((k) => outboxSubmission(k)).find((s) => s.recordId === r)!
                .operation,
          ),
        );
        expect(tree.blockId).to.equal(block.blockId);
        // Leaf i is the range's i-th block-mode record (relayed record 2 sits between 1 and 3).
        const leafIndex = block.recordIds.indexOf(i);
        expect(state?.receipt).to.deep.include({
          kind: "block",
          blockId: block.blockId,
          root: block.root,
          leafIndex,
        });
        expect(state?.receipt?.proof).to.deep.equal(tree.proof(leafIndex));
      }
      const relayed = await readRecordState(db, id(2));
      expect(relayed?.status).to.equal("accepted");
      expect(relayed?.root).to.equal(undefined);
    });

    it("refuses an outbox an older gateway made (OUTBOX_OUTDATED), and migrates a fresh one", async () => {
      await refuseOutdatedOutbox(db); // no schema_migrations yet
      await migrate(db, [{ id: "representation-001-outbox", sql: "create table legacy (x int)" }]);
      const error = await expectCode(refuseOutdatedOutbox(db), "OUTBOX_OUTDATED");
      expect(error.details).to.deep.equal({ steps: ["representation-001-outbox"] });
      await db.query("delete from schema_migrations");
      await refuseOutdatedOutbox(db);
      expect(await migrate(db, representationMigrations)).to.deep.equal([
        "representation-001-outbox-v3",
        "representation-002-control-settings",
      ]);
      await refuseOutdatedOutbox(db);
    });

    it("a restarted batcher finds what waits after the last block, whatever it was told", async () => {
      await migrate(db, representationMigrations);
      const blobStore = new DirectoryBlobStore(blobDir);
      const first = new Batcher({
        db,
        gateway: GATEWAY,
        blobStore,
        maxBlockSize: 2,
        maxWaitMs: 60_000,
      });
      const writer = new OutboxWriter(db, { onStored: (r) => first.enqueue(r) });
      await writer.write([1, 2, 3].map((i) => entry(i)));
      expect(await first.tick()).to.have.length(1);

      const second = new Batcher({
        db,
        gateway: GATEWAY,
        blobStore,
        maxBlockSize: 2,
        maxWaitMs: 60_000,
      });
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
  });
}
