import type { TypedDataDomain } from "ethers";

/** Any contract implementing ERC-5267, as OpenZeppelin's `EIP712` (ours and EAS's) does. */
export interface Erc5267Contract {
  eip712Domain(): Promise<{
    name: string;
    version: string;
    chainId: bigint;
    verifyingContract: string;
  }>;
}

/**
 * The EIP-712 domain a contract declares on-chain, read rather than restated so that a signature
 * built here is checked against exactly what the contract verifies.
 *
 * @example
 * const domain = await eip712Domain(ledger); // { name: "DataLedger", version: "1", ... }
 */
export async function eip712Domain(contract: Erc5267Contract): Promise<TypedDataDomain> {
  const { name, version, chainId, verifyingContract } = await contract.eip712Domain();
  return { name, version, chainId, verifyingContract };
}
