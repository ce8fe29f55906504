import type { Address, Hex } from "viem";

import {
  dataBlockTreeOfLeaves,
  type DataBlockTreeView,
} from "../../offchain/sdk/buildDataBlockTree.js";
import { leafHash } from "../../offchain/chain/recordTyping.js";
import type { SignedOperation } from "./signRecord.js";

/** A data block as a gateway builds it: the operations, their positional tree and its ids. */
export interface DataBlock {
  /** The gateway whose block it is: its leaves and block id commit to it. */
  gateway: string;
  root: string;
  /** The ledger's key once `gateway` anchors it: `dataBlockIdOf(gateway, root)`. */
  blockId: string;
  /** The number of operations (what an honest gateway anchors as the count). */
  count: number;
  operations: SignedOperation[];
  tree: DataBlockTreeView;
  firstSampledAt: bigint;
  lastSampledAt: bigint;
  /** Leaf hash of operation `i`. */
  leaf(i: number): string;
  /** The siblings of slot `i` (an operation's position, or a padding slot past the count). */
  proof(i: number): string[];
}

/**
 * Builds `gateway`'s data block over `operations` in the order given (operation i at position
 * i), with the SDK's positional tree; `extraSlots` are placed after them, to build a block whose
 * anchored count can be proved wrong.
 *
 * @example
 * const block = buildDataBlock(gateway.address, [op1, op2]);
 * await ledger.connect(gateway).submitDataBlock(block.root, 2, block.firstSampledAt, block.lastSampledAt, "ipfs://b");
 * await judge.challenge(block.blockId, op1, 0, block.proof(0));
 */
export function buildDataBlock(
  gateway: string,
  operations: SignedOperation[],
  extraSlots: string[] = [],
): DataBlock {
  const leaves = operations.map((op) => leafHash(gateway, op));
  const tree = dataBlockTreeOfLeaves(gateway as Address, [...leaves, ...extraSlots] as Hex[]);
  const sampled = operations.map((op) => BigInt(op.record.sampledAt));
  return {
    gateway,
    root: tree.root,
    blockId: tree.blockId,
    count: operations.length,
    operations,
    tree,
    firstSampledAt: sampled.reduce((a, b) => (a < b ? a : b)),
    lastSampledAt: sampled.reduce((a, b) => (a > b ? a : b)),
    leaf: (i) => leaves[i],
    proof: (i) => tree.proof(i),
  };
}
