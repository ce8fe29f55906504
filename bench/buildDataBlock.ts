import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256 } from "ethers";

import { LEAF_ENCODING } from "../offchain/chain/recordTyping.js";
import type { BenchRecord } from "./payload.js";
import type { RecordSigner, SignedRecord } from "./recordSigner.js";

// LEAF_ENCODING: StandardMerkleTree hashes a leaf as keccak256(bytes.concat(keccak256(abi.encode(...values))))
// and pairs sorted, which is exactly `leafHash` in IDataRegistry over (source, structHash, deadline,
// keccak256(signature)), the struct hash over (record, deadline, epoch), and what OpenZeppelin's
// MerkleProof verifies.

type LeafValue = [string, string, number, string];

/** A gateway's data block: the signed operations and the Merkle tree over them. */
export interface DataBlock {
  root: string;
  count: number;
  firstSampledAt: number;
  lastSampledAt: number;
  operations: SignedRecord[];
  /** Leaf hash of operation `index`. */
  leaf(index: number): string;
  /** Inclusion proof of operation `index` under `root`. */
  proof(index: number): string[];
}

/**
 * Signs each record with the source key and builds the data block a gateway would anchor.
 *
 * @example
 * const block = buildDataBlock(signer, records, DEADLINE, EPOCH);
 * await ledger.submitDataBlock(block.root, block.count, block.firstSampledAt, block.lastSampledAt, uri);
 */
export function buildDataBlock(
  signer: RecordSigner,
  records: BenchRecord[],
  deadline: number,
  epoch: number,
): DataBlock {
  if (records.length === 0) throw new Error("a data block needs at least one record");
  const operations = records.map((record) => signer.sign(record, deadline, epoch));
  const values = operations.map((op): LeafValue => [
    op.source,
    op.structHash,
    op.deadline,
    keccak256(op.signature),
  ]);
  const tree = StandardMerkleTree.of(values, [...LEAF_ENCODING]);
  const sampledAt = records.map((record) => record.sampledAt);
  return {
    root: tree.root,
    count: records.length,
    firstSampledAt: Math.min(...sampledAt),
    lastSampledAt: Math.max(...sampledAt),
    operations,
    leaf: (index) => tree.leafHash(values[index]),
    proof: (index) => tree.getProof(index),
  };
}
