import type { Hex } from "viem";

import type { LedgerRecord } from "./types.js";

/**
 * The ledger's key for a record: its data hash. One record per fingerprint; the first anchoring
 * wins.
 *
 * @example
 * const onChain = await publicClient.readContract({
 *   address: ledger, abi: ledgerAbi, functionName: "getRecord", args: [recordId(record)],
 * });
 */
export function recordId(record: Pick<LedgerRecord, "dataHash">): Hex {
  return record.dataHash;
}
