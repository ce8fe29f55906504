import type { Signer } from "ethers";
import { getAddress, toBytes, type Hex } from "viem";

import { dataBlockTreeOfLeaves } from "../../offchain/sdk/buildDataBlockTree.js";
import { canonicalJson } from "../../offchain/sdk/canonicalJson.js";
import { leafHash } from "../../offchain/sdk/leafHash.js";
import type { SignedOperation } from "../../offchain/sdk/wire.js";
import type { BlobStore } from "../../offchain/storage/BlobStore.js";
import type { DataLedger } from "../../types/ethers-contracts/index.js";

export interface PublishedDataBlock {
  /** The ledger's key of the block, `dataBlockId(gateway, root)`. */
  blockId: Hex;
  root: Hex;
  uri: string;
  operations: SignedOperation[];
  /** Leaf of operation i, `leafHash(gateway, operation)`. */
  leaf(i: number): Hex;
  proof(i: number): Hex[];
  blockNumber: number;
  txHash: Hex;
}

/**
 * Does what the representation gateway promises (its contract with the monitoring and service
 * FEs): publishes the canonical block document `{ root, operations }` to the BlobStore, then
 * anchors the root with `uri = blob:<document hash>`. `documentOperations` publishes a different
 * list than the one anchored, to forge a mismatching document; `count` anchors a false count.
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
  count,
}: {
  ledger: DataLedger;
  gateway: Signer;
  blobs: BlobStore;
  operations: SignedOperation[];
  documentOperations?: SignedOperation[];
  uri?: string;
  /** The count to anchor, by default the number of operations (another one is a lie). */
  count?: number;
}): Promise<PublishedDataBlock> {
  const gatewayAddress = getAddress(await gateway.getAddress());
  // A count above the operations' leaves the slots up to it empty (zero), as a gateway that
  // overstates its count does: the tree then has the count's depth.
  const zero: Hex = `0x${"00".repeat(32)}`;
  const tree = dataBlockTreeOfLeaves(gatewayAddress, [
    ...operations.map((op) => leafHash(gatewayAddress, op)),
    ...Array<Hex>(Math.max(0, (count ?? 0) - operations.length)).fill(zero),
  ]);
  const root = tree.root;
  const document = canonicalJson({ root, operations: documentOperations ?? operations });
  const documentHash = await blobs.put(toBytes(document));
  const sampled = operations.map((op) => op.record.sampledAt);
  const blockUri = uri ?? `blob:${documentHash}`;
  const tx = await ledger
    .connect(gateway)
    .submitDataBlock(
      root,
      count ?? operations.length,
      Math.min(...sampled),
      Math.max(...sampled),
      blockUri,
    );
  const receipt = (await tx.wait())!;
  return {
    blockId: tree.blockId,
    root,
    uri: blockUri,
    operations,
    leaf: (i) => tree.leaves[i],
    proof: (i) => tree.proof(i),
    blockNumber: receipt.blockNumber,
    txHash: receipt.hash as Hex,
  };
}
