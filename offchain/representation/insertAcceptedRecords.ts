import type { Hex } from "viem";

import type { Queryable } from "../storage/Database.js";
import type { NormalizedSubmission } from "./normalizeSubmission.js";

/** A submission to store, with the time the gateway accepted it. */
export interface OutboxEntry {
  submission: NormalizedSubmission;
  acceptedAt: number;
}

/**
 * Adds submissions to the outbox as "accepted" with ONE statement (row by row, 500 inserts cost
 * more than the rest of the accept path), in the given order: `ordinality` keeps the outbox's
 * `seq`, and so the batcher's packing order, in the given order. A record id the outbox already
 * holds, or that an earlier entry of the same call holds, is left alone. Returns the outbox
 * sequence number of each record id actually inserted.
 *
 * Callers that pack data blocks by sequence range must not run two of these at once (see
 * OutboxWriter): rows must commit in sequence order.
 *
 * @example
 * const created = await insertAcceptedRecords(db, [{ submission, acceptedAt: Date.now() }]);
 */
export async function insertAcceptedRecords(
  tx: Queryable,
  entries: readonly OutboxEntry[],
): Promise<Map<Hex, number>> {
  if (entries.length === 0) return new Map();
  // One JSON parameter rather than five text[] ones: JSON.stringify is native, while the
  // driver escaped every array element in JavaScript.
  const rows = await tx.query<{ record_id: Hex; seq: string | number }>(
    `insert into gateway_records
       (record_id, mode, operation, operation_hash, payload, status, accepted_at)
     select r.record_id, r.mode, r.operation, r.operation_hash, r.payload, 'accepted', r.accepted_at
       from rows from (jsonb_to_recordset($1::jsonb)
              as (record_id text, mode text, operation jsonb, operation_hash text, payload text,
                  accepted_at bigint))
            with ordinality
              as r(record_id, mode, operation, operation_hash, payload, accepted_at, ord)
      order by r.ord
     on conflict (record_id) do nothing
     returning record_id, seq::text as seq`,
    [
      JSON.stringify(
        entries.map(({ submission: s, acceptedAt }) => ({
          record_id: s.recordId,
          mode: s.mode,
          operation: s.operation,
          operation_hash: s.operationHash,
          // Block-mode payloads stay with the record (the batcher publishes them with its block).
          payload: s.mode === "block" ? s.payloadText : null,
          accepted_at: acceptedAt,
        })),
      ),
    ],
  );
  return new Map(rows.map((row) => [row.record_id, Number(row.seq)]));
}
