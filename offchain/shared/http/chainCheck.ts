import { ChainUnavailableError } from "../ChainUnavailableError.js";

/**
 * A readiness check that the chain node answers `eth_blockNumber`; a failure is reported as
 * CHAIN_UNAVAILABLE. Takes anything with `getBlockNumber`, so an ethers Provider or a test double.
 *
 * @example
 * registerHealthRoutes(app, { readiness: { chain: chainCheck(provider) } });
 */
export function chainCheck(provider: { getBlockNumber(): Promise<number> }): () => Promise<void> {
  return async () => {
    try {
      await provider.getBlockNumber();
    } catch (cause) {
      throw new ChainUnavailableError(cause, "The chain node does not answer");
    }
  };
}
