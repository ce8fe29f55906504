import { getAddress, type Address } from "viem";

import { BaseError } from "../../shared/BaseError.js";

/** One followed contract: where it lives and the first block worth reading. */
export interface IndexedContract {
  address: Address;
  /** Deployment block; nothing before it can hold the contract's events. */
  startBlock: number;
}

/**
 * What the supervisor's indexer follows (M2P): one chain, the DataLedger and optionally the
 * AccessRegistry, and how cautious to be about reorgs.
 */
export interface IndexerConfig {
  /** Chain id the provider must report; a mismatch stops the indexer before it writes. */
  chainId: number;
  contracts: { ledger: IndexedContract; access?: IndexedContract };
  /**
   * Finality depth: a block with `head - confirmations` or more blocks on top is final, its rows
   * are never rolled back, and only the blocks above it are re-checked for reorgs each poll.
   */
  confirmations: number;
  /** Most blocks per `eth_getLogs` call (providers cap ranges; Besu and Anvil accept 1000s). */
  batchSize: number;
  /** Pause between polls of `start()`. */
  pollingIntervalMs: number;
}

export interface DefineIndexerConfigParameters {
  chainId: number | bigint;
  contracts: {
    ledger: { address: string; startBlock?: number };
    access?: { address: string; startBlock?: number };
  };
  confirmations?: number;
  batchSize?: number;
  pollingIntervalMs?: number;
}

/**
 * Normalises an indexer configuration (Ponder's `createConfig` shape): checksummed addresses,
 * defaults of 12 confirmations, 1000-block batches and a 2 s poll.
 *
 * @example
 * const config = defineIndexerConfig({
 *   chainId: 31337,
 *   contracts: { ledger: { address: ledgerAddress, startBlock: 1 }, access: { address: accessAddress } },
 * });
 */
export function defineIndexerConfig(parameters: DefineIndexerConfigParameters): IndexerConfig {
  const confirmations = parameters.confirmations ?? 12;
  const batchSize = parameters.batchSize ?? 1000;
  if (!Number.isSafeInteger(confirmations) || confirmations < 0) {
    throw new BaseError("INDEXER_INVALID_CONFIG", "confirmations must be a non-negative integer");
  }
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new BaseError("INDEXER_INVALID_CONFIG", "batchSize must be a positive integer");
  }
  const contract = (c: { address: string; startBlock?: number }): IndexedContract => ({
    address: getAddress(c.address),
    startBlock: c.startBlock ?? 0,
  });
  const { ledger, access } = parameters.contracts;
  return {
    chainId: Number(parameters.chainId),
    contracts: { ledger: contract(ledger), ...(access ? { access: contract(access) } : {}) },
    confirmations,
    batchSize,
    pollingIntervalMs: parameters.pollingIntervalMs ?? 2000,
  };
}
