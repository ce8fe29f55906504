import { concat, hexToBigInt, isHex, keccak256, size, type Hex } from "viem";

/** OpenZeppelin `Hashes.commutativeKeccak256`: the smaller word first. */
function hashPair(a: Hex, b: Hex): Hex {
  return hexToBigInt(a) < hexToBigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

function isWord(value: unknown): value is Hex {
  return typeof value === "string" && isHex(value, { strict: true }) && size(value) === 32;
}

/**
 * Whether `proof` leads from `leaf` to `root` with OpenZeppelin `MerkleProof` semantics
 * (sorted-pair keccak256). Malformed input (not 32-byte hex) gives `false`, never a throw.
 *
 * @example
 * if (!verifyMerkleProof(receipt.root, leafHash(receipt.operation), receipt.proof)) {
 *   throw new Error("not in block");
 * }
 */
export function verifyMerkleProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  if (!isWord(root) || !isWord(leaf) || !Array.isArray(proof) || !proof.every(isWord)) {
    return false;
  }
  const computed = proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), leaf);
  return hexToBigInt(computed) === hexToBigInt(root);
}
