import type { Address, Hex } from "viem";

import { leafHash } from "../offchain/chain/recordTyping.js";
import { dataBlockTreeOfLeaves } from "../offchain/sdk/buildDataBlockTree.js";
import type { BenchRecord } from "./payload.js";
import type { RecordSigner, SignedRecord } from "./recordSigner.js";

/** A gateway's data block: the signed operations and the positional Merkle tree over them. */
export interface DataBlock {
  root: string;
  /** The ledger's key of the block: `dataBlockIdOf(gateway, root)`. */
  blockId: string;
  count: number;
  firstSampledAt: number;
  lastSampledAt: number;
  operations: SignedRecord[];
  /** Leaf hash of operation `index`, `leafHash(gateway, operation)`. */
  leaf(index: number): string;
  /** Inclusion proof of operation `index` (its position) under `root`. */
  proof(index: number): string[];
}

/**
 * Signs each record with the source key and builds the data block `gateway` would anchor: the
 * SDK's positional tree (data block protocol v3), operation i at position i.
 *
 * @example
 * const block = buildDataBlock(signer, gateway.address, records, DEADLINE, EPOCH);
 * await ledger.submitDataBlock(block.root, block.count, block.firstSampledAt, block.lastSampledAt, uri);
 */
export function buildDataBlock(
  signer: RecordSigner,
  gateway: string,
  records: BenchRecord[],
  deadline: number,
  epoch: number,
): DataBlock {
  if (records.length === 0) throw new Error("a data block needs at least one record");
  const operations = records.map((record) => signer.sign(record, deadline, epoch));
  // The SDK's viem leafHash over 1,024 operations is a few seconds; it is the one definition.
  const leaves = operations.map((op) => leafHash(gateway, op) as Hex);
  const tree = dataBlockTreeOfLeaves(gateway as Address, leaves);
  const sampledAt = records.map((record) => record.sampledAt);
  return {
    root: tree.root,
    blockId: tree.blockId,
    count: records.length,
    firstSampledAt: Math.min(...sampledAt),
    lastSampledAt: Math.max(...sampledAt),
    operations,
    leaf: (index) => leaves[index],
    proof: (index) => tree.proof(index),
  };
}
