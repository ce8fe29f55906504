import type { Hex } from "viem";

import type { Queryable } from "../storage/Database.js";
import type { NormalizedSubmission } from "./normalizeSubmission.js";

/**
 * Adds submissions to the outbox as "accepted" with ONE statement (row by row, 500 inserts cost
 * more than the rest of the accept path), in the given order: `ordinality` keeps the outbox's
 * `seq`, and so the batcher's packing order, in request order. A record id the outbox already
 * holds is left alone; the ids actually inserted are returned. Record ids must be distinct.
 *
 * @example
 * const created = await db.transaction((tx) => insertAcceptedRecords(tx, valid, Date.now()));
 */
export async function insertAcceptedRecords(
  tx: Queryable,
  submissions: readonly NormalizedSubmission[],
  acceptedAt: number,
): Promise<Set<Hex>> {
  if (submissions.length === 0) return new Set();
  // One JSON parameter rather than five text[] ones: JSON.stringify is native, while the
  // driver escaped every array element in JavaScript.
  const rows = await tx.query<{ record_id: Hex }>(
    `insert into gateway_records
       (record_id, mode, operation, operation_hash, payload, status, accepted_at)
     select r.record_id, r.mode, r.operation, r.operation_hash, r.payload, 'accepted', $2::bigint
       from rows from (jsonb_to_recordset($1::jsonb)
              as (record_id text, mode text, operation jsonb, operation_hash text, payload text))
            with ordinality as r(record_id, mode, operation, operation_hash, payload, ord)
      order by r.ord
     on conflict (record_id) do nothing
     returning record_id`,
    [
      JSON.stringify(
        submissions.map((s) => ({
          record_id: s.recordId,
          mode: s.mode,
          operation: s.operation,
          operation_hash: s.operationHash,
          // Block-mode payloads wait here for the batcher, which publishes them with their block.
          payload: s.mode === "block" ? s.payloadText : null,
        })),
      ),
      acceptedAt,
    ],
  );
  return new Set(rows.map((row) => row.record_id));
}
