import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Signer } from "ethers";
import { toBytes, type Hex } from "viem";

import { canonicalJson } from "../../offchain/sdk/canonicalJson.js";
import { leafEncoding, leafValues } from "../../offchain/sdk/leafHash.js";
import type { SignedOperation } from "../../offchain/sdk/types.js";
import type { BlobStore } from "../../offchain/storage/BlobStore.js";
import type { DataLedger } from "../../types/ethers-contracts/index.js";

export interface PublishedDataBlock {
  root: Hex;
  uri: string;
  operations: SignedOperation[];
  proof(i: number): Hex[];
  blockNumber: number;
  txHash: Hex;
}

/**
 * Does what the representation gateway promises (its contract with the monitoring and service
 * FEs): publishes the canonical block document `{ root, operations }` to the BlobStore, then
 * anchors the root with `uri = blob:<document hash>`. `documentOperations` publishes a different
 * list than the one anchored, to forge a mismatching document.
 *
 * @example
 * const block = await publishDataBlock({ ledger, gateway, blobs, operations });
 */
export async function publishDataBlock({
  ledger,
  gateway,
  blobs,
  operations,
  documentOperations,
  uri,
}: {
  ledger: DataLedger;
  gateway: Signer;
  blobs: BlobStore;
  operations: SignedOperation[];
  documentOperations?: SignedOperation[];
  uri?: string;
}): Promise<PublishedDataBlock> {
  const tree = StandardMerkleTree.of(
    operations.map((op) => [...leafValues(op)]),
    [...leafEncoding],
  );
  const root = tree.root as Hex;
  const document = canonicalJson({ root, operations: documentOperations ?? operations });
  const documentHash = await blobs.put(toBytes(document));
  const sampled = operations.map((op) => op.record.sampledAt);
  const blockUri = uri ?? `blob:${documentHash}`;
  const tx = await ledger
    .connect(gateway)
    .submitDataBlock(root, operations.length, Math.min(...sampled), Math.max(...sampled), blockUri);
  const receipt = (await tx.wait())!;
  return {
    root,
    uri: blockUri,
    operations,
    proof: (i) => tree.getProof(i) as Hex[],
    blockNumber: receipt.blockNumber,
    txHash: receipt.hash as Hex,
  };
}
