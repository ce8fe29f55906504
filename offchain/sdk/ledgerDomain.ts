import { getAddress, type Address, type TypedDataDomain } from "viem";

/** The EIP-712 domain of a DataLedger deployment. */
export interface LedgerDomain extends TypedDataDomain {
  name: "DataLedger";
  version: "1";
  chainId: number;
  verifyingContract: Address;
}

/**
 * The ledger's EIP-712 domain on one chain: signatures made for it are void on any other chain or
 * ledger deployment.
 *
 * @example
 * const domain = ledgerDomain(await publicClient.getChainId(), "0x5FbDB2315678afecb367f032d93F642f64180aa3");
 */
export function ledgerDomain(chainId: number | bigint, ledgerAddress: Address): LedgerDomain {
  return {
    name: "DataLedger",
    version: "1",
    chainId: Number(chainId),
    verifyingContract: getAddress(ledgerAddress),
  };
}
