import { concat, isAddress, isHex, keccak256, size, type Address, type Hex } from "viem";

import { dataBlockId } from "./dataBlockId.js";

/**
 * Depth of the positional Merkle tree of a data block of `count` operations:
 * ceil(log2(count)), 0 for a single operation (its leaf is the root). Every proof of the block
 * has exactly this many siblings.
 *
 * @example
 * dataBlockDepth(1024); // 10
 */
export function dataBlockDepth(count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`A data block holds at least one operation, not ${count}`);
  }
  let depth = 0;
  while (2 ** depth < count) depth++;
  return depth;
}

/** An inner node: keccak256(abi.encode(left, right)), positional (not sorted). */
export function dataBlockNode(left: Hex, right: Hex): Hex {
  return keccak256(concat([left, right]));
}

function isWord(value: unknown): value is Hex {
  return typeof value === "string" && isHex(value, { strict: true }) && size(value) === 32;
}

/**
 * The root that `proof` leads to from `leaf` at position `leafIndex`: bit k of the index says
 * whether the node at level k is a right child. Undefined when the input is malformed (a word
 * that is not 32-byte hex, an index that is not a non-negative integer below 2^proof.length).
 *
 * @example
 * const root = dataBlockProofRoot(leafHash(gateway, operation), receipt.leafIndex, receipt.proof);
 */
export function dataBlockProofRoot(
  leaf: Hex,
  leafIndex: number,
  proof: readonly Hex[],
): Hex | undefined {
  if (!isWord(leaf) || !Array.isArray(proof) || !proof.every(isWord)) return undefined;
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= 2 ** proof.length) {
    return undefined;
  }
  let node = leaf;
  let index = leafIndex;
  for (const sibling of proof) {
    node = index % 2 === 1 ? dataBlockNode(sibling, node) : dataBlockNode(node, sibling);
    index = Math.floor(index / 2);
  }
  return node;
}

export interface VerifyDataBlockProofParameters {
  /** The ledger's key of the block, `dataBlockId(gateway, root)`. */
  blockId: Hex;
  /** The gateway that anchored the block (the ledger's `getDataBlock(blockId).gateway`). */
  gateway: Address;
  /** The slot's content: an operation's `leafHash(gateway, operation)`, or zero for padding. */
  leaf: Hex;
  leafIndex: number;
  proof: readonly Hex[];
  /** The block's count: when given, `leafIndex < count` and `proof.length` must be its depth. */
  count?: number;
}

/**
 * Whether `proof` places `leaf` at `leafIndex` of the positional tree whose root makes
 * `blockId` with `gateway` (data block protocol v3, rule C), with the ledger's own checks when
 * `count` is given. Malformed input gives `false`, never a throw.
 *
 * @example
 * const ok = verifyDataBlockProof({
 *   blockId, gateway, leaf: leafHash(gateway, operation), leafIndex: 7, proof, count: 1024,
 * });
 */
export function verifyDataBlockProof(parameters: VerifyDataBlockProofParameters): boolean {
  const { blockId, gateway, leaf, leafIndex, proof, count } = parameters;
  if (!isWord(blockId) || typeof gateway !== "string" || !isAddress(gateway)) return false;
  if (count !== undefined) {
    if (!Number.isSafeInteger(count) || count < 1 || !(leafIndex < count)) return false;
    if (!Array.isArray(proof) || proof.length !== dataBlockDepth(count)) return false;
  }
  const root = dataBlockProofRoot(leaf, leafIndex, proof);
  return root !== undefined && dataBlockId(gateway, root) === blockId.toLowerCase();
}
