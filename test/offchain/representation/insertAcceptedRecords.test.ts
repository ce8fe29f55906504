import { expect } from "chai";
import { keccak256, toBytes, type Hex } from "viem";

import { canonicalJson } from "../../../offchain/sdk/canonicalJson.js";
import type { SignedOperation } from "../../../offchain/sdk/types.js";
import { insertAcceptedRecords } from "../../../offchain/representation/insertAcceptedRecords.js";
import { representationMigrations } from "../../../offchain/representation/migrations.js";
import type { NormalizedSubmission } from "../../../offchain/representation/normalizeSubmission.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";

// URIs that break naive array-literal or JSON quoting.
const URIS = ["", 'a "quoted" uri', "back\\slash", "{braces},commas", "NULL", "ünïcødé ✓", "x\ny"];

function submission(i: number, mode: "block" | "relayed" = "block"): NormalizedSubmission {
  const recordId = keccak256(toBytes(`record-${i}`));
  const operation: SignedOperation = {
    source: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    record: {
      dataHash: recordId,
      formatId: keccak256(toBytes("format")),
      metadataHash: keccak256(toBytes("meta")),
      sampledAt: 1_700_000_000 + i,
      uri: URIS[i % URIS.length],
    },
    deadline: 2_000_000_000,
    signature: `0x${"ab".repeat(65)}` as Hex,
  };
  return {
    recordId,
    mode,
    operation,
    operationHash: keccak256(toBytes(canonicalJson({ mode, operation }))),
    payloadBytes: toBytes(`{"i":${i}}`),
    payloadText: `{"i":${i}}`,
  };
}

for (const target of databaseTargets()) {
  describe(`offchain/representation: insertAcceptedRecords on ${target.name}`, () => {
    it("inserts a request in one statement, in request order, and skips known ids", async () => {
      const db = await target.open();
      try {
        await migrate(db, representationMigrations);
        const first = Array.from({ length: 300 }, (_, i) =>
          submission(i, i % 5 ? "block" : "relayed"),
        );
        const created = await db.transaction((tx) => insertAcceptedRecords(tx, first, 1234));
        expect(created.size).to.equal(300);

        const rows = await db.query<{
          record_id: Hex;
          mode: string;
          operation: SignedOperation;
          operation_hash: Hex;
          payload: string | null;
          status: string;
          accepted_at: string | number;
        }>("select * from gateway_records order by seq");
        expect(rows.map((r) => r.record_id)).to.deep.equal(first.map((s) => s.recordId));
        for (const [i, row] of rows.entries()) {
          expect(row.operation).to.deep.equal(first[i].operation);
          expect(row.mode).to.equal(first[i].mode);
          expect(row.operation_hash).to.equal(first[i].operationHash);
          expect(row.status).to.equal("accepted");
          // Block-mode payloads wait in the outbox for their block; relayed ones are blobs.
          expect(row.payload).to.equal(first[i].mode === "block" ? `{"i":${i}}` : null);
          expect(Number(row.accepted_at)).to.equal(1234);
        }

        const second = [submission(1000), submission(5), submission(1001)];
        const again = await db.transaction((tx) => insertAcceptedRecords(tx, second, 99));
        expect([...again]).to.have.members([second[0].recordId, second[2].recordId]);
        const [{ n }] = await db.query<{ n: number }>(
          "select count(*)::int as n from gateway_records",
        );
        expect(n).to.equal(302);
        expect(await db.transaction((tx) => insertAcceptedRecords(tx, [], 1))).to.have.length(0);
      } finally {
        await db.close();
      }
    });
  });
}
