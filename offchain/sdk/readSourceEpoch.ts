import { createPublicClient, getAddress, http, type Address, type Client } from "viem";
import { readContract } from "viem/actions";

import { ChainUnavailableError, SourceUnknownError } from "./errors.js";
import { ledgerAbi } from "./ledgerAbi.js";

export type ReadSourceEpochParameters = {
  /** The DataLedger contract. */
  ledgerAddress: Address;
  /** The device's signing key (its address). */
  source: Address;
} & (
  | { /** Any EVM JSON-RPC endpoint of the ledger's chain. */ rpcUrl: string; publicClient?: never }
  | { /** A viem client on the ledger's chain. */ publicClient: Client; rpcUrl?: never }
);

/**
 * The signing epoch of the source `source` is bound to (`getSource(sourceIdOf(source)).epoch`),
 * what `signRecord` must be given: 0 at registration, one more at every suspension,
 * reactivation, revocation and key rotation. A device reads it at start and again whenever a
 * gateway answers `SIGNATURE_STALE_EPOCH` (whose `details.current` names the new epoch), then
 * signs its pending records again. A rotated-away key still reads its source's epoch, but no
 * longer signs for it.
 *
 * @throws {SourceUnknownError} `SDK_SOURCE_UNKNOWN` when the key is bound to no source.
 * @throws {ChainUnavailableError} `CHAIN_UNAVAILABLE` (retryable) when the chain cannot
 * be read.
 *
 * @example
 * const epoch = await readSourceEpoch({ rpcUrl, ledgerAddress, source: account.address });
 * const operation = await signRecord({ account, domain, record, deadline, epoch });
 */
export async function readSourceEpoch(parameters: ReadSourceEpochParameters): Promise<number> {
  const address = getAddress(parameters.ledgerAddress);
  const source = getAddress(parameters.source);
  const client =
    parameters.publicClient ?? createPublicClient({ transport: http(parameters.rpcUrl) });
  try {
    const sourceId = await readContract(client, {
      address,
      abi: ledgerAbi,
      functionName: "sourceIdOf",
      args: [source],
    });
    if (sourceId === 0n) throw new SourceUnknownError({ source });
    const { epoch } = await readContract(client, {
      address,
      abi: ledgerAbi,
      functionName: "getSource",
      args: [sourceId],
    });
    return epoch;
  } catch (cause) {
    if (cause instanceof SourceUnknownError) throw cause;
    throw new ChainUnavailableError(cause);
  }
}
