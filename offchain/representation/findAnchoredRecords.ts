import type { Hex } from "viem";

import type { DataLedger } from "../../types/ethers-contracts/index.js";
import type { NormalizedSubmission } from "./normalizeSubmission.js";
import { RejectionError } from "./RejectionError.js";

/**
 * The on-chain duplicate check of R2D validation for many records at once: the DUPLICATE_RECORD
 * rejection of each submission whose data hash the ledger already holds at `blockTag`. The reads
 * are issued together so that ethers' JSON-RPC provider packs them into a few batch requests
 * instead of one round trip (and one batch stall) per record. The calls are encoded and decoded by
 * hand (`RecordView` is a static struct): through the typed contract, ethers' ABI coder and
 * selector hashing cost more CPU than the rest of validation. A read that fails is that record's
 * CHAIN_UNAVAILABLE rejection, so the others are still decided.
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
  const readRecord = await recordReader(ledger);
  await Promise.all(
    submissions.map(async ({ recordId, operation }) => {
      let onChain: { sourceId: bigint; status: bigint };
      try {
        onChain = await readRecord(operation.record.dataHash as Hex, blockTag);
      } catch (cause) {
        duplicates.set(
          recordId,
          new RejectionError("CHAIN_UNAVAILABLE", "The ledger cannot be read right now", {}, cause),
        );
        return;
      }
      if (Number(onChain.status) !== 0) {
        duplicates.set(
          recordId,
          new RejectionError("DUPLICATE_RECORD", "A record with this data hash is on-chain", {
            recordId,
            sourceId: onChain.sourceId.toString(),
          }),
        );
      }
    }),
  );
  return duplicates;
}

// RecordView: dataHash, sourceId, formatId, sampledAt, recordedAt, status, revocationReason,
// replaces, supersededBy; one 32-byte word each.
const RECORD_VIEW_WORDS = 9;
const SOURCE_ID_WORD = 1;
const STATUS_WORD = 5;

async function recordReader(
  ledger: DataLedger,
): Promise<(dataHash: Hex, blockTag: number) => Promise<{ sourceId: bigint; status: bigint }>> {
  const runner = ledger.runner;
  if (!runner?.call) {
    return async (dataHash, blockTag) => ledger.getRecord(dataHash, { blockTag });
  }
  const call = runner.call.bind(runner);
  const to = await ledger.getAddress();
  const selector = ledger.interface.getFunction("getRecord").selector;
  return async (dataHash, blockTag) => {
    const result = await call({ to, data: `${selector}${dataHash.slice(2)}`, blockTag });
    if (!/^0x[0-9a-fA-F]*$/.test(result) || result.length !== 2 + RECORD_VIEW_WORDS * 64) {
      throw new Error(`getRecord returned ${result.length} hex characters, not a RecordView`);
    }
    const word = (i: number) => BigInt(`0x${result.slice(2 + i * 64, 2 + (i + 1) * 64)}`);
    return { sourceId: word(SOURCE_ID_WORD), status: word(STATUS_WORD) };
  };
}
