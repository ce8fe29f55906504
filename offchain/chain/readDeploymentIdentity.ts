import { getAddress, type Provider } from "ethers";

import { BaseError } from "../shared/BaseError.js";
import { ChainUnavailableError } from "../shared/ChainUnavailableError.js";

/**
 * What makes a deployment of the suite one and only one: the chain (its id and the hash of its
 * genesis block, since development chains all call themselves 31337) and the ledger's address on
 * it. Every database of an off-chain module is bound to one of these (`bindDeployment`).
 */
export interface DeploymentIdentity {
  chainId: string;
  genesisHash: string;
  ledgerAddress: string;
}

/** Thrown when the chain has no contract at the ledger address (a new or rewound chain). */
export class LedgerNotDeployedError extends BaseError {
  constructor(ledgerAddress: string, chainId: string) {
    super(
      "LEDGER_NOT_DEPLOYED",
      `No contract at ledger address ${ledgerAddress} on chain ${chainId}`,
      {
        details: { ledgerAddress, chainId },
      },
    );
  }
}

/**
 * Reads the identity of the deployment at `ledgerAddress` from the chain behind `provider`,
 * and checks that a contract is there.
 *
 * @example
 * const identity = await readDeploymentIdentity(provider, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
 * // { chainId: "31337", genesisHash: "0xc8e0…", ledgerAddress: "0x5FbD…" }
 */
export async function readDeploymentIdentity(
  provider: Provider,
  ledgerAddress: string,
): Promise<DeploymentIdentity> {
  let chainId: bigint, genesis, code: string;
  try {
    [{ chainId }, genesis, code] = await Promise.all([
      provider.getNetwork(),
      provider.getBlock(0),
      provider.getCode(ledgerAddress),
    ]);
  } catch (cause) {
    throw new ChainUnavailableError(cause, "The JSON-RPC node does not answer");
  }
  if (!genesis?.hash) throw new ChainUnavailableError(new Error("the node has no genesis block"));
  if (code === "0x")
    throw new LedgerNotDeployedError(getAddress(ledgerAddress), chainId.toString());
  return {
    chainId: chainId.toString(),
    genesisHash: genesis.hash.toLowerCase(),
    ledgerAddress: getAddress(ledgerAddress),
  };
}
