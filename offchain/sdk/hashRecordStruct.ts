import { hashStruct, type Hex } from "viem";

import { recordTypes } from "./recordTypes.js";
import type { LedgerRecord } from "./wire.js";

/**
 * The EIP-712 struct hash of a record with its signature deadline and the source's signing
 * epoch (the contract's `RecordHashing.structHash`); the digest a source signs wraps it in the
 * ledger's domain, and a data block leaf commits to it.
 *
 * @example
 * const structHash = hashRecordStruct(record, deadline, epoch);
 */
export function hashRecordStruct(record: LedgerRecord, deadline: number, epoch: number): Hex {
  return hashStruct({
    types: recordTypes,
    primaryType: "Record",
    data: { ...record, deadline, epoch },
  });
}
