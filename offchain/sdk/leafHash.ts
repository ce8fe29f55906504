import { encodeAbiParameters, keccak256, type Hex } from "viem";

import { hashRecordStruct } from "./hashRecordStruct.js";
import type { SignedOperation } from "./types.js";

/** ABI types of a leaf's values, in order; the same list builds a `StandardMerkleTree`. */
export const leafEncoding = ["address", "bytes32", "uint48", "bytes32"] as const;

/**
 * The values a data block leaf commits to: (source, structHash, deadline, keccak256(signature)),
 * where structHash is `hashRecordStruct(record, deadline, epoch)` (the epoch is in the struct hash
 * only, so the leaf stays four words). Pass them to `StandardMerkleTree.of(values, leafEncoding)` to build a block.
 *
 * @example
 * const tree = StandardMerkleTree.of(operations.map(leafValues), [...leafEncoding]);
 */
export function leafValues(operation: SignedOperation): readonly [Hex, Hex, number, Hex] {
  return [
    operation.source,
    hashRecordStruct(operation.record, operation.deadline, operation.epoch),
    operation.deadline,
    keccak256(operation.signature),
  ];
}

/**
 * The Merkle leaf of a signed operation, as the ledger and its DataBlockJudge (`leafHash`) compute it:
 * keccak256(bytes.concat(keccak256(abi.encode(source, structHash(record, deadline, epoch), deadline,
 * keccak256(signature))))).
 * Hashing twice keeps leaves apart from inner nodes (OpenZeppelin StandardMerkleTree).
 *
 * @example
 * const ok = verifyMerkleProof(receipt.root, leafHash(receipt.operation), receipt.proof);
 */
export function leafHash(operation: SignedOperation): Hex {
  const inner = keccak256(
    encodeAbiParameters(
      leafEncoding.map((type) => ({ type })),
      leafValues(operation),
    ),
  );
  return keccak256(inner);
}
