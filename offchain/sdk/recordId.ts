import { hexToBytes, keccak256, type Address, type Hex } from "viem";

import type { LedgerRecord } from "./wire.js";
import { isUint48 } from "../shared/uint48.js";

/**
 * The 96 bytes the record id hashes: `abi.encode(source, dataHash, sampledAt)`, the contract's
 * `recordIdOf`. The one definition of the rule; the SDK hashes it with viem, the gateway's hot path
 * with its fast keccak (same digest). Throws on a value the contract could not take.
 *
 * @example
 * const id = keccak256Hex(recordIdPreimage(operation.source, operation.record));
 */
export function recordIdPreimage(
  source: Address,
  record: Pick<LedgerRecord, "dataHash" | "sampledAt">,
): Uint8Array {
  const { dataHash, sampledAt } = record;
  if (!/^0x[0-9a-fA-F]{40}$/.test(source))
    throw new TypeError(`recordId: source ${source} is not an address`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(dataHash))
    throw new TypeError(`recordId: dataHash ${dataHash} is not 32 bytes`);
  if (!isUint48(sampledAt)) {
    throw new TypeError(`recordId: sampledAt ${sampledAt} is not a uint48`);
  }
  const preimage = new Uint8Array(96);
  preimage.set(hexToBytes(source), 12);
  preimage.set(hexToBytes(dataHash), 32);
  // uint48, big-endian, right-aligned in the third word.
  let t = sampledAt;
  for (let i = 95; i >= 90; i--) {
    preimage[i] = t % 256;
    t = Math.floor(t / 256);
  }
  return preimage;
}

/**
 * The ledger's key for a record: one source's statement about one reading, so the source key, the
 * data hash and the sampling time together (`keccak256(abi.encode(source, dataHash, sampledAt))`,
 * the contract's `recordIdOf`). The same payload from two sources, or from one source at two
 * sampling times, is two records; a retry of the same signed record is the same record. A device
 * can compute it before it sends.
 *
 * @example
 * const onChain = await publicClient.readContract({
 *   address: ledger, abi: ledgerAbi, functionName: "getRecord",
 *   args: [recordId(operation.source, operation.record)],
 * });
 */
export function recordId(
  source: Address,
  record: Pick<LedgerRecord, "dataHash" | "sampledAt">,
): Hex {
  return keccak256(recordIdPreimage(source, record));
}
