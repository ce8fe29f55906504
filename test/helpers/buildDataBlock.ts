import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, TypedDataEncoder } from "ethers";

import { RECORD_TYPES, type SignedOperation } from "./signRecord.js";

/**
 * Leaf encoding of the ledger's `leafHash`: (source, structHash, deadline, keccak256(signature)),
 * the struct hash over (record, deadline, epoch).
 */
export const LEAF_ENCODING = ["address", "bytes32", "uint48", "bytes32"];

type LeafValue = [string, string, string, string];

/** A data block as a gateway builds it: the operations, their Merkle tree and its root. */
export interface DataBlock {
  root: string;
  operations: SignedOperation[];
  tree: StandardMerkleTree<LeafValue>;
  firstSampledAt: bigint;
  lastSampledAt: bigint;
  /** Leaf hash of operation `i`. */
  leaf(i: number): string;
  /** Merkle proof of operation `i`. */
  proof(i: number): string[];
}

function leafValue(operation: SignedOperation): LeafValue {
  const structHash = TypedDataEncoder.hashStruct("Record", RECORD_TYPES, {
    ...operation.record,
    deadline: operation.deadline,
    epoch: operation.epoch,
  });
  return [
    operation.source,
    structHash,
    operation.deadline.toString(),
    keccak256(operation.signature),
  ];
}

/**
 * Builds the Merkle tree of a data block with OpenZeppelin's StandardMerkleTree (double-hashed
 * leaves, sorted-pair nodes), independently of the contract's `leafHash`.
 *
 * @example
 * const block = buildDataBlock([op1, op2]);
 * await ledger.connect(gateway).submitDataBlock(block.root, 2, block.firstSampledAt, block.lastSampledAt, "ipfs://b");
 */
export function buildDataBlock(operations: SignedOperation[]): DataBlock {
  const values = operations.map(leafValue);
  const tree = StandardMerkleTree.of(values, LEAF_ENCODING);
  const sampled = operations.map((op) => op.record.sampledAt);
  return {
    root: tree.root,
    operations,
    tree,
    firstSampledAt: sampled.reduce((a, b) => (a < b ? a : b)),
    lastSampledAt: sampled.reduce((a, b) => (a > b ? a : b)),
    leaf: (i) => tree.leafHash(values[i]),
    proof: (i) => tree.getProof(i),
  };
}
