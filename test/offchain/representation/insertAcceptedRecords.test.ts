import { expect } from "chai";
import type { Hex } from "viem";

import type { SignedOperation } from "../../../offchain/sdk/wire.js";
import { insertAcceptedRecords } from "../../../offchain/representation/outbox/insertAcceptedRecords.js";
import { representationMigrations } from "../../../offchain/representation/outbox/migrations.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { outboxSubmission } from "../../helpers/outboxSubmission.js";

for (const target of databaseTargets()) {
  describe(`offchain/representation: insertAcceptedRecords on ${target.name}`, () => {
    it("inserts a request in one statement, in request order, and skips known ids", async () => {
      const db = await target.open();
      try {
        await migrate(db, representationMigrations);
        const first = Array.from({ length: 300 }, (_, i) =>
          outboxSubmission(i, i % 5 ? "block" : "relayed"),
        );
        const created = await insertAcceptedRecords(
          db,
          first.map((submission) => ({ submission, acceptedAt: 1234 })),
        );
        expect(created.size).to.equal(300);

        const rows = await db.query<{
          record_id: Hex;
          mode: string;
          operation: SignedOperation;
          operation_hash: Hex;
          payload: string | null;
          status: string;
          accepted_at: string | number;
          seq: string | number;
        }>("select * from gateway_records order by seq");
        expect(rows.map((r) => r.record_id)).to.deep.equal(first.map((s) => s.recordId));
        // Each inserted id comes back with its sequence number.
        expect(rows.map((r) => Number(r.seq))).to.deep.equal(
          first.map((s) => created.get(s.recordId)),
        );
        for (const [i, row] of rows.entries()) {
          expect(row.operation).to.deep.equal(first[i].operation);
          expect(row.mode).to.equal(first[i].mode);
          expect(row.operation_hash).to.equal(first[i].operationHash);
          expect(row.status).to.equal("accepted");
          // Block-mode payloads wait in the outbox for their block; relayed ones are blobs.
          expect(row.payload).to.equal(first[i].mode === "block" ? `{"i":${i}}` : null);
          expect(Number(row.accepted_at)).to.equal(1234);
        }

        // Known ids, and an id repeated within the call, are left alone.
        const second = [
          outboxSubmission(1000),
          outboxSubmission(5),
          outboxSubmission(1001),
          outboxSubmission(1000),
        ];
        const again = await insertAcceptedRecords(
          db,
          second.map((submission, i) => ({ submission, acceptedAt: 99 + i })),
        );
        expect([...again.keys()]).to.have.members([second[0].recordId, second[2].recordId]);
        const [late] = await db.query<{ accepted_at: string | number }>(
          "select accepted_at from gateway_records where record_id = $1",
          [second[2].recordId],
        );
        expect(Number(late.accepted_at)).to.equal(101);
        const [{ n }] = await db.query<{ n: number }>(
          "select count(*)::int as n from gateway_records",
        );
        expect(n).to.equal(302);
        expect((await insertAcceptedRecords(db, [])).size).to.equal(0);
      } finally {
        await db.close();
      }
    });
  });
}
