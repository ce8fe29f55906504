import { JsonRpcApiProvider, toQuantity } from "ethers";
import type { Hex } from "viem";

import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import type { AnchoredRecordFilter } from "./AnchoredRecordFilter.js";
import type { NormalizedSubmission } from "./normalizeSubmission.js";
import { RejectionError } from "./RejectionError.js";

/** Record ids per `recordSourceIds` call: ~32 KB of calldata, far below any node's limits. */
const CHUNK = 1_000;

/**
 * The on-chain duplicate check of R2D validation for many records at once: the DUPLICATE_RECORD
 * rejection of each submission whose record id the ledger already holds at `blockTag`, i.e. the
 * same source already anchored the same data hash at the same sampling time (another source's
 * record of the same payload is another record, and passes). One `recordSourceIds` call per
 * thousand records (a call per record made the chain node, not the gateway, the bottleneck of
 * bulk ingest), encoded and decoded by hand: ethers' ABI coder spent ~16 µs per id. A read that
 * fails is the CHAIN_UNAVAILABLE rejection of the records it covered. With a `filter` that covers
 * `blockTag`, only the ids it may hold are read: usually none, and no call is made.
 *
 * @example
 * const duplicates = await findAnchoredRecords(ledger, valid, head.number, registry.anchoredRecords);
 * const error = duplicates.get(submission.recordId);
 */
export async function findAnchoredRecords(
  ledger: DataLedger,
  submissions: readonly NormalizedSubmission[],
  blockTag: number,
  filter?: AnchoredRecordFilter,
): Promise<Map<Hex, RejectionError>> {
  const duplicates = new Map<Hex, RejectionError>();
  if (filter?.covers(blockTag)) {
    submissions = submissions.filter((s) => filter.mayHold(s.recordId));
  }
  if (submissions.length === 0) return duplicates;
  const readSourceIds = await sourceIdReader(ledger);
  const chunks: (readonly NormalizedSubmission[])[] = [];
  for (let i = 0; i < submissions.length; i += CHUNK) chunks.push(submissions.slice(i, i + CHUNK));
  await Promise.all(
    chunks.map(async (chunk) => {
      let sourceIds: bigint[];
      try {
        sourceIds = await readSourceIds(
          chunk.map((s) => s.recordId),
          blockTag,
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
          new RejectionError(
            "DUPLICATE_RECORD",
            "This source's record of this data hash at this sampling time is on-chain",
            { recordId, sourceId: sourceIds[i].toString() },
          ),
        );
      }
    }),
  );
  return duplicates;
}

/** `recordSourceIds(bytes32[])` through the runner's raw `call`, or the typed contract without one. */
async function sourceIdReader(
  ledger: DataLedger,
): Promise<(recordIds: Hex[], blockTag: number) => Promise<bigint[]>> {
  const runner = ledger.runner;
  if (!runner?.call) {
    return (recordIds, blockTag) => ledger.recordSourceIds(recordIds, { blockTag });
  }
  // Through a JSON-RPC provider the request goes out as is: ethers' `call` turns the ~32 KB of
  // calldata into bytes and back to hex in JavaScript, per request.
  const provider = runner.provider;
  const call =
    provider instanceof JsonRpcApiProvider
      ? ({ to, data, blockTag }: { to: string; data: string; blockTag: number }) =>
          provider.send("eth_call", [{ to, data }, toQuantity(blockTag)]) as Promise<string>
      : runner.call.bind(runner);
  const to = await ledger.getAddress();
  const selector = ledger.interface.getFunction("recordSourceIds").selector;
  return async (recordIds, blockTag) => {
    // (offset 0x20, length, words…) in, the same shape of uint64 words out.
    const data =
      selector +
      word(32n) +
      word(BigInt(recordIds.length)) +
      recordIds.map((h) => h.slice(2)).join("");
    const result = await call({ to, data, blockTag });
    if (!/^0x[0-9a-fA-F]*$/.test(result) || result.length !== 2 + (2 + recordIds.length) * 64) {
      throw new Error(`recordSourceIds returned ${result.length} hex characters`);
    }
    const at = (i: number) => BigInt(`0x${result.slice(2 + i * 64, 2 + (i + 1) * 64)}`);
    if (at(0) !== 32n || at(1) !== BigInt(recordIds.length)) {
      throw new Error("recordSourceIds returned another array shape");
    }
    return recordIds.map((_, i) => at(2 + i));
  };
}

function word(n: bigint): string {
  return n.toString(16).padStart(64, "0");
}
