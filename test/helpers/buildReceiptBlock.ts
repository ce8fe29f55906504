import type { Address, Hex } from "viem";

import { buildDataBlockTree } from "../../offchain/sdk/buildDataBlockTree.js";
import { recordId } from "../../offchain/sdk/recordId.js";
import type { Receipt, SignedOperation } from "../../offchain/sdk/wire.js";

/**
 * `gateway`'s data block over viem-typed `operations` (the SDK's positional tree), with the
 * receipt a gateway would hand out for each: what the SDK's verifyReceipt tests anchor and
 * verify.
 *
 * @example
 * const block = buildReceiptBlock(gateway.address, operations);
 * await ledger.connect(gateway).submitDataBlock(block.root, block.count, block.firstSampledAt, block.lastSampledAt, "ipfs://b");
 * await verifyReceipt({ payload, receipt: block.receipt(0), publicClient, ledgerAddress });
 */
export function buildReceiptBlock(gateway: string, operations: SignedOperation[]) {
  const tree = buildDataBlockTree(gateway as Address, operations);
  const sampled = operations.map((op) => op.record.sampledAt);
  return {
    gateway: gateway as Address,
    root: tree.root,
    blockId: tree.blockId,
    count: operations.length,
    tree,
    firstSampledAt: Math.min(...sampled),
    lastSampledAt: Math.max(...sampled),
    receipt(i: number): Receipt {
      const operation = operations[i];
      return {
        recordId: recordId(operation.source, operation.record),
        dataHash: operation.record.dataHash,
        kind: "block",
        operation,
        blockId: tree.blockId as Hex,
        root: tree.root,
        leafIndex: i,
        proof: tree.proof(i),
      };
    },
  };
}
