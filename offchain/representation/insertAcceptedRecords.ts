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
  const rows = await tx.query<{ record_id: Hex }>(
    `insert into gateway_records
       (record_id, mode, operation, operation_hash, payload, status, accepted_at)
     select r.record_id, r.mode, r.operation::jsonb, r.operation_hash, r.payload, 'accepted',
            $6::bigint
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
            with ordinality as r(record_id, mode, operation, operation_hash, payload, ord)
      order by r.ord
     on conflict (record_id) do nothing
     returning record_id`,
    [
      submissions.map((s) => s.recordId),
      submissions.map((s) => s.mode),
      submissions.map((s) => JSON.stringify(s.operation)),
      submissions.map((s) => s.operationHash),
      // Block-mode payloads wait here for the batcher, which publishes them with their block.
      submissions.map((s) => (s.mode === "block" ? s.payloadText : null)),
      acceptedAt,
    ],
  );
  return new Set(rows.map((row) => row.record_id));
}
