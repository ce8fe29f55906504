import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

import { hashRecordStruct } from "./hashRecordStruct.js";
import type { SignedOperation } from "./wire.js";

/** ABI types of a leaf's values, in order (the contract's `RecordHashing.leafHash`). */
export const leafEncoding = ["address", "address", "bytes32", "uint48", "bytes32"] as const;

/**
 * The values a data block leaf commits to: (gateway, source, structHash, deadline,
 * keccak256(signature)), where structHash is `hashRecordStruct(record, deadline, epoch)` (the
 * epoch is in the struct hash only). The gateway is the one that anchors the block: a rival
 * gateway that copies the root cannot prove any operation under its own copy, because the judge
 * hashes leaves with the block's own gateway (data block protocol v3, rule A).
 *
 * @example
 * const encoded = encodeAbiParameters(leafEncoding.map((type) => ({ type })), leafValues(gateway, op));
 */
export function leafValues(
  gateway: Address,
  operation: SignedOperation,
): readonly [Hex, Hex, Hex, number, Hex] {
  return [
    gateway,
    operation.source,
    hashRecordStruct(operation.record, operation.deadline, operation.epoch),
    operation.deadline,
    keccak256(operation.signature),
  ];
}

/**
 * The Merkle leaf of a signed operation in `gateway`'s data block, as the ledger and its
 * DataBlockJudge (`leafHash`) compute it: keccak256(bytes.concat(keccak256(abi.encode(gateway,
 * source, structHash(record, deadline, epoch), deadline, keccak256(signature))))).
 * Hashing twice gives a leaf a 32-byte preimage where an inner node has 64 bytes, so no inner
 * node passes as a leaf.
 *
 * @example
 * const leaf = leafHash(dataBlock.gateway, receipt.operation);
 */
export function leafHash(gateway: Address, operation: SignedOperation): Hex {
  const inner = keccak256(
    encodeAbiParameters(
      leafEncoding.map((type) => ({ type })),
      leafValues(gateway, operation),
    ),
  );
  return keccak256(inner);
}
