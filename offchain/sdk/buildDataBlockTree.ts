import { type Address, type Hex } from "viem";

import { dataBlockId } from "./dataBlockId.js";
import { leafHash } from "./leafHash.js";
import type { SignedOperation } from "./wire.js";
import { dataBlockDepth, dataBlockNode } from "./verifyDataBlockProof.js";

/** A data block's positional Merkle tree (data block protocol v3, rule C). */
export interface DataBlockTreeView {
  gateway: Address;
  root: Hex;
  /** The ledger's key of the block: `dataBlockId(gateway, root)`. */
  blockId: Hex;
  /** Operations in the block: the count the gateway anchors. */
  count: number;
  /** ceil(log2(count)): every proof's length. */
  depth: number;
  /** The slots' contents in position order, `count` leaves (padding slots are zero). */
  leaves: readonly Hex[];
  /** The siblings of slot `index` (0 <= index < 2^depth, padding slots included), leaf to root. */
  proof(index: number): Hex[];
}

const ZERO: Hex = `0x${"00".repeat(32)}`;

/**
 * The tree over arbitrary slot contents, `leaves[i]` at position i and zero up to 2^depth:
 * what `buildDataBlockTree` hashes operations into, and what a test uses to build a block
 * that lies about its count.
 *
 * @example
 * const forged = dataBlockTreeOfLeaves(gateway, [leaf0, leaf1, zeroHash]);
 */
export function dataBlockTreeOfLeaves(gateway: Address, leaves: readonly Hex[]): DataBlockTreeView {
  const depth = dataBlockDepth(leaves.length);
  // levels[k][i]: node i of level k; a node past the end is a zero subtree of that level.
  const levels: Hex[][] = [leaves.map((leaf) => leaf.toLowerCase() as Hex)];
  const zeros: Hex[] = [ZERO];
  for (let k = 0; k < depth; k++) {
    const below = levels[k];
    const level: Hex[] = [];
    for (let i = 0; i < below.length; i += 2) {
      level.push(dataBlockNode(below[i], below[i + 1] ?? zeros[k]));
    }
    levels.push(level);
    zeros.push(dataBlockNode(zeros[k], zeros[k]));
  }
  const root = levels[depth][0];
  return {
    gateway,
    root,
    blockId: dataBlockId(gateway, root),
    count: leaves.length,
    depth,
    leaves: levels[0],
    proof(index: number): Hex[] {
      if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** depth) {
        throw new RangeError(`No slot ${index} in a tree of depth ${depth}`);
      }
      const proof: Hex[] = [];
      for (let k = 0, i = index; k < depth; k++, i = Math.floor(i / 2)) {
        proof.push(levels[k][i ^ 1] ?? zeros[k]);
      }
      return proof;
    },
  };
}

/**
 * The positional Merkle tree of `gateway`'s data block over `operations`, in the order given:
 * operation i is leaf i, `leafHash(gateway, operation)`; slots count .. 2^depth - 1 hold zero;
 * inner nodes are keccak256(left ‖ right). Its `blockId` is what the ledger keys the block by
 * once `gateway` anchors `root` with `count`.
 *
 * @example
 * const tree = buildDataBlockTree(gateway.address, operations);
 * await ledger.write.submitDataBlock([tree.root, tree.count, first, last, uri]);
 * const receiptProof = tree.proof(3); // operation 3, leafIndex 3
 */
export function buildDataBlockTree(
  gateway: Address,
  operations: readonly SignedOperation[],
): DataBlockTreeView {
  return dataBlockTreeOfLeaves(
    gateway,
    operations.map((operation) => leafHash(gateway, operation)),
  );
}
