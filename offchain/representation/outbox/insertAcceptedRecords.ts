import type { Hex } from "viem";

import type { Queryable } from "../../storage/Database.js";
import type { NormalizedSubmission } from "../accept/normalizeSubmission.js";

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
 * sequence number of each record id actually inserted. A submission's record id must be its
 * operation's `recordIdOf(source, dataHash, sampledAt)` (as normalizeSubmission makes it).
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
  // One JSON parameter rather than six text[] ones: the driver escaped every array element in
  // JavaScript. Its keys are one letter: at ~10,000 records a second the bytes sent are a visible
  // share of the gateway's and the server's time. The record id travels on its own (SQL cannot
  // compute a keccak256 of the operation's source, data hash and sampling time). Rows are spelled by hand around the operation's canonical JSON, which
  // the accept path made once (the block document reuses it).
  const rows = await tx.query<{ record_id: Hex; seq: string | number }>(
    `insert into gateway_records
       (record_id, mode, operation, operation_hash, payload, status, accepted_at)
     select r.i, coalesce(r.m, 'block'), r.o, r.h, r.p, 'accepted', r.t
       from rows from (jsonb_to_recordset($1::jsonb)
                         as (i text, o jsonb, h text, p text, m text, t bigint))
            with ordinality as r(i, o, h, p, m, t, ord)
      order by r.ord
     on conflict (record_id) do nothing
     returning record_id, seq::text as seq`,
    [
      `[${entries
        .map(({ submission: s, acceptedAt }) =>
          // Block-mode payloads stay with the record (the batcher publishes them with its
          // block); the operation goes in as the canonical JSON the accept path made of it.
          s.mode === "block"
            ? `{"i":"${s.recordId}","o":${s.operationJson},"h":${JSON.stringify(s.operationHash)},"p":${JSON.stringify(s.payloadText)},"t":${JSON.stringify(acceptedAt)}}`
            : `{"i":"${s.recordId}","o":${s.operationJson},"h":${JSON.stringify(s.operationHash)},"m":${JSON.stringify(s.mode)},"t":${JSON.stringify(acceptedAt)}}`,
        )
        .join(",")}]`,
    ],
  );
  return new Map(rows.map((row) => [row.record_id, Number(row.seq)]));
}
