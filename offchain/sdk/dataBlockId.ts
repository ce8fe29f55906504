import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

/**
 * The ledger's key of a data block: keccak256(abi.encode(gateway, root)), the contract's
 * `dataBlockIdOf(gateway, root)`. Blocks are keyed per gateway, so another gateway anchoring the
 * same root makes another block and never takes this one's place (data block protocol v3, rule B).
 *
 * @example
 * const blockId = dataBlockId(gatewayAddress, tree.root);
 * const block = await readContract(client, { address, abi: ledgerAbi, functionName: "getDataBlock", args: [blockId] });
 */
export function dataBlockId(gateway: Address, root: Hex): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [gateway, root]),
  );
}
