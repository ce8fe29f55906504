import type { Provider } from "ethers";

import type { AccessRegistry, DataLedger } from "../../types/ethers-contracts/index.js";
import { ChainUnavailableError } from "../shared/ChainUnavailableError.js";

/**
 * Authorisation decided by the chain, not by a local copy (S2P): USER_ROLE on the DataLedger and
 * dataset grants (with their expiry) on the AccessRegistry, read at the latest block for every
 * request. Answers are cached for one block only, keyed by block number, so a revocation or an
 * expiry takes effect with the next block.
 *
 * @example
 * const auth = new ChainAuthorizer({ ledger, access, provider });
 * if (!(await auth.canRead(1n, user, sourceId, formatId))) throw new AccessDeniedError(…);
 */
export class ChainAuthorizer {
  readonly #ledger: DataLedger;
  readonly #access: AccessRegistry;
  readonly #provider: Provider;
  #userRole: Promise<string> | undefined;
  #operatorRole: Promise<string> | undefined;
  #cacheBlock = -1;
  #cache = new Map<string, Promise<boolean>>();

  constructor({
    ledger,
    access,
    provider,
  }: {
    ledger: DataLedger;
    access: AccessRegistry;
    provider: Provider;
  }) {
    this.#ledger = ledger;
    this.#access = access;
    this.#provider = provider;
  }

  /** Whether `user` holds USER_ROLE now. */
  isUser(user: string): Promise<boolean> {
    return this.#cached(`user:${user}`, async (blockTag) => {
      this.#userRole ??= this.#ledger.USER_ROLE();
      return this.#ledger.hasRole(await this.#userRole, user, { blockTag });
    });
  }

  /**
   * Whether `account` holds OPERATOR_ROLE now: the O2C routes' authorisation, and who may
   * re-wrap data keys for new readers.
   */
  isOperator(account: string): Promise<boolean> {
    return this.#cached(`operator:${account}`, async (blockTag) => {
      this.#operatorRole ??= this.#ledger.OPERATOR_ROLE();
      return this.#ledger.hasRole(await this.#operatorRole, account, { blockTag });
    });
  }

  /**
   * Whether `key` is bound to a source now (current or rotated away: a record it signed before a
   * rotation is still its record). Keeps accounts that never were a source from storing wraps.
   */
  isSourceKey(key: string): Promise<boolean> {
    return this.#cached(`sourceKey:${key}`, async (blockTag) => {
      return (await this.#ledger.sourceIdOf(key, { blockTag })) !== 0n;
    });
  }

  /** Whether `user` holds a live grant on the dataset (and USER_ROLE; the registry checks both). */
  hasAccess(datasetId: bigint, user: string): Promise<boolean> {
    return this.#cached(`access:${datasetId}:${user}`, (blockTag) =>
      this.#access.hasAccess(datasetId, user, { blockTag }),
    );
  }

  /** Whether `user` may read data of this source and format through this dataset. */
  canRead(datasetId: bigint, user: string, sourceId: bigint, formatId: string): Promise<boolean> {
    return this.#cached(`read:${datasetId}:${user}:${sourceId}:${formatId}`, (blockTag) =>
      this.#access.canRead(datasetId, user, sourceId, formatId, { blockTag }),
    );
  }

  /** Whether the dataset currently includes the source. */
  includesSource(datasetId: bigint, sourceId: bigint): Promise<boolean> {
    return this.#cached(`src:${datasetId}:${sourceId}`, (blockTag) =>
      this.#access.datasetIncludesSource(datasetId, sourceId, { blockTag }),
    );
  }

  /** Whether the dataset currently includes the format. */
  includesFormat(datasetId: bigint, formatId: string): Promise<boolean> {
    return this.#cached(`fmt:${datasetId}:${formatId}`, (blockTag) =>
      this.#access.datasetIncludesFormat(datasetId, formatId, { blockTag }),
    );
  }

  async #cached(key: string, read: (blockTag: number) => Promise<boolean>): Promise<boolean> {
    let block: number;
    try {
      block = await this.#provider.getBlockNumber();
    } catch (cause) {
      throw new ChainUnavailableError(cause, "The ledger could not be read");
    }
    if (block !== this.#cacheBlock) {
      this.#cacheBlock = block;
      this.#cache = new Map();
    }
    let answer = this.#cache.get(key);
    if (!answer) {
      answer = read(block).catch((cause) => {
        this.#cache.delete(key);
        throw new ChainUnavailableError(cause, "The ledger could not be read");
      });
      this.#cache.set(key, answer);
    }
    return answer;
  }
}
