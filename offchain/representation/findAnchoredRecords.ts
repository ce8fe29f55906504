import type { Hex } from "viem";

import type { DataLedger } from "../../types/ethers-contracts/index.js";
import type { NormalizedSubmission } from "./normalizeSubmission.js";
import { RejectionError } from "./RejectionError.js";

/** Hashes per `recordSourceIds` call: ~32 KB of calldata, far below any node's limits. */
const CHUNK = 1_000;

/**
 * The on-chain duplicate check of R2D validation for many records at once: the DUPLICATE_RECORD
 * rejection of each submission whose data hash the ledger already holds at `blockTag`. One
 * `recordSourceIds` call per thousand records (a call per record made the chain node, not the
 * gateway, the bottleneck of bulk ingest). A read that fails is the CHAIN_UNAVAILABLE rejection
 * of the records it covered.
 *
 * @example
 * const duplicates = await findAnchoredRecords(ledger, valid, head.number);
 * const error = duplicates.get(submission.recordId);
 */
export async function findAnchoredRecords(
  ledger: DataLedger,
  submissions: readonly NormalizedSubmission[],
  blockTag: number,
): Promise<Map<Hex, RejectionError>> {
  const duplicates = new Map<Hex, RejectionError>();
  const chunks: (readonly NormalizedSubmission[])[] = [];
  for (let i = 0; i < submissions.length; i += CHUNK) chunks.push(submissions.slice(i, i + CHUNK));
  await Promise.all(
    chunks.map(async (chunk) => {
      let sourceIds: bigint[];
      try {
        sourceIds = await ledger.recordSourceIds(
          chunk.map((s) => s.operation.record.dataHash),
          { blockTag },
        );
      } catch (cause) {
        for (const { recordId } of chunk) {
          duplicates.set(
            recordId,
            new RejectionError(
              "CHAIN_UNAVAILABLE",
              "The ledger cannot be read right now",
              {},
              cause,
            ),
          );
        }
        return;
      }
      for (const [i, { recordId }] of chunk.entries()) {
        if (sourceIds[i] === 0n) continue;
        duplicates.set(
          recordId,
          new RejectionError("DUPLICATE_RECORD", "A record with this data hash is on-chain", {
            recordId,
            sourceId: sourceIds[i].toString(),
          }),
        );
      }
    }),
  );
  return duplicates;
}
