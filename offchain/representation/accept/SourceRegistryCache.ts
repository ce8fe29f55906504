import type { Provider } from "ethers";

import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import type { AnchoredRecordFilter } from "./AnchoredRecordFilter.js";

/** The chain's view of a signing key, at the block the cache last synced to. */
export interface SourceKeyState {
  sourceId: bigint;
  /** The key is the current key of an active source (not suspended, revoked or rotated away). */
  active: boolean;
  /**
   * The source's current signing epoch (`getSource(id).epoch`), 0 for an unbound key. It moves
   * only with a status change or key rotation, whose events drop the entry, so it is never
   * served stale past the block that moved it.
   */
  epoch: number;
}

/** The chain's view of a format: 0 none, 1 active, 2 deprecated (FormatStatus). */
export interface FormatState {
  status: number;
  uri: string;
  /** `FORMAT_*` bits, fixed at registration (FORMAT_UNIQUE_DATA_HASHES = 1). */
  flags: number;
}

/** The block the cache's answers hold at. */
export interface ChainHead {
  number: number;
  timestamp: number;
}

// Beyond this many blocks of absence it is cheaper (and safer on RPCs that cap log ranges) to
// forget everything than to replay the logs.
const MAX_LOG_RANGE = 2_000;

const INVALIDATING_EVENTS = [
  "SourceRegistered",
  "SourceStatusChanged",
  "SourceKeyRotated",
  "SourceEpochChanged",
  "SourceFormatSet",
  "FormatRegistered",
  "FormatDeprecated",
] as const;

export interface SourceRegistryCacheOptions {
  /**
   * Filled from the same log reads with the record id of every `RecordAnchored`, so the on-chain
   * duplicate check can skip the chain for ids it does not hold (see findAnchoredRecords).
   */
  anchoredRecords?: AnchoredRecordFilter;
  /** First block with ledger events (its deployment); the filter is filled from here. */
  fromBlock?: number;
  /**
   * Reads the head's number, once per sync: `provider.getBlockNumber()` by default. The
   * gateway passes a faster read for its own provider (HttpJsonRpcProvider.sendNow).
   */
  readBlockNumber?: () => Promise<number>;
}

/**
 * Read-through cache of the source and format registries (P2R reads through the typechain-bound
 * ledger). Validating a record needs three or four registry reads; caching them keeps the R2D hot
 * path off the RPC, but a suspension, key rotation (and the signing epoch they move), format
 * permission change or deprecation must bite from the next request after the block that holds it. So every lookup first syncs to the
 * latest block: when a new block has appeared, that block range's registry events invalidate the
 * entries they touch, and reads are made at the synced block so answers and invalidation agree.
 * The same log reads keep the optional anchored-record filter complete up to the synced block.
 *
 * @example
 * const cache = new SourceRegistryCache(ledger, provider, { anchoredRecords: new AnchoredRecordFilter() });
 * const head = await cache.sync();
 * const key = await cache.sourceKey(operation.source);
 */
export class SourceRegistryCache {
  readonly #ledger: DataLedger;
  readonly #provider: Provider;
  readonly #keys = new Map<string, SourceKeyState>();
  readonly #allowed = new Map<string, boolean>();
  readonly #formats = new Map<string, FormatState>();
  readonly #topics: string[];
  readonly #recordTopic: string;
  readonly #records?: AnchoredRecordFilter;
  readonly #fromBlock: number;
  readonly #readBlockNumber: () => Promise<number>;
  #head?: ChainHead;
  #headHash?: string;
  #syncing?: Promise<ChainHead>;

  constructor(ledger: DataLedger, provider: Provider, options: SourceRegistryCacheOptions = {}) {
    this.#ledger = ledger;
    this.#provider = provider;
    this.#records = options.anchoredRecords;
    this.#fromBlock = options.fromBlock ?? 0;
    this.#readBlockNumber = options.readBlockNumber ?? (() => provider.getBlockNumber());
    this.#recordTopic = ledger.interface.getEvent("RecordAnchored").topicHash;
    this.#topics = INVALIDATING_EVENTS.map((name) => ledger.interface.getEvent(name).topicHash);
    if (this.#records) this.#topics.push(this.#recordTopic);
  }

  /** The anchored-record filter this cache keeps up to date, if it was given one. */
  get anchoredRecords(): AnchoredRecordFilter | undefined {
    return this.#records;
  }

  /** Moves the cache to the latest block; concurrent callers share one round trip. */
  sync(): Promise<ChainHead> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async sourceKey(key: string): Promise<SourceKeyState> {
    const id = key.toLowerCase();
    const head = await this.#current();
    let state = this.#keys.get(id);
    if (!state) {
      const blockTag = head.number;
      const [sourceId, active] = await Promise.all([
        this.#ledger.sourceIdOf(key, { blockTag }),
        this.#ledger.isActiveSource(key, { blockTag }),
      ]);
      // A second round trip, once per key and epoch: the source id is needed first.
      const epoch =
        sourceId === 0n ? 0 : Number((await this.#ledger.getSource(sourceId, { blockTag })).epoch);
      state = { sourceId, active, epoch };
      if (this.#head === head) this.#keys.set(id, state);
    }
    return state;
  }

  async formatAllowed(sourceId: bigint, formatId: string): Promise<boolean> {
    const id = `${sourceId}:${formatId.toLowerCase()}`;
    const head = await this.#current();
    let allowed = this.#allowed.get(id);
    if (allowed === undefined) {
      allowed = await this.#ledger.isFormatAllowed(sourceId, formatId, { blockTag: head.number });
      if (this.#head === head) this.#allowed.set(id, allowed);
    }
    return allowed;
  }

  async format(formatId: string): Promise<FormatState> {
    const id = formatId.toLowerCase();
    const head = await this.#current();
    let state = this.#formats.get(id);
    if (!state) {
      const format = await this.#ledger.getFormat(formatId, { blockTag: head.number });
      state = { status: Number(format.status), uri: format.uri, flags: Number(format.flags) };
      if (this.#head === head) this.#formats.set(id, state);
    }
    return state;
  }

  async #current(): Promise<ChainHead> {
    return this.#head ?? this.sync();
  }

  async #sync(): Promise<ChainHead> {
    // The number alone first: most syncs find no new block, and a whole block (what the
    // timestamp needs) costs the node and this process far more than its number.
    const number = await this.#readBlockNumber();
    const previous = this.#head;
    if (previous && number === previous.number) return previous;
    const latest = await this.#provider.getBlock(number);
    if (!latest?.hash) throw new Error(`RPC returned no block ${number}`);
    const head = { number: latest.number, timestamp: latest.timestamp };
    const address = await this.#ledger.getAddress();
    const rewound = previous !== undefined && (await this.#rewound(previous, latest));
    if (!previous || rewound || head.number - previous.number > MAX_LOG_RANGE) {
      // First sync, a rewound chain (reorg, snapshot revert) or a long absence: start clean.
      this.#clear();
      const records = this.#records;
      if (records) {
        // A rewind may have dropped blocks the filter has read, so it reads them all again;
        // ids only the old branch held stay, as false positives the chain check clears.
        if (!previous || rewound) records.coveredTo = -1;
        const from = records.coveredTo >= 0 ? records.coveredTo + 1 : this.#fromBlock;
        await this.#scanRecords(address, from, head.number);
        records.coveredTo = head.number;
      }
    } else {
      const logs = await this.#provider.getLogs({
        address,
        fromBlock: previous.number + 1,
        toBlock: head.number,
        topics: [this.#topics],
      });
      for (const log of logs) {
        if (log.topics[0] === this.#recordTopic) this.#records?.add(log.topics[1]);
        else this.#invalidate(log);
      }
      if (this.#records) this.#records.coveredTo = head.number;
    }
    this.#head = head;
    this.#headHash = latest.hash;
    return head;
  }

  /**
   * Whether the chain no longer holds the block the cache last synced to: it went back below
   * it, or the new head does not descend from it (a reorg, or a snapshot revert followed by
   * more blocks than were reverted). The next block's parent hash says so for free; after a
   * jump of several blocks the old height is read again. A block replaced at the same height
   * shows at the next block.
   */
  async #rewound(
    previous: ChainHead,
    latest: { number: number; parentHash: string },
  ): Promise<boolean> {
    if (latest.number < previous.number) return true;
    if (latest.number === previous.number + 1) return latest.parentHash !== this.#headHash;
    const then = await this.#provider.getBlock(previous.number);
    return then?.hash !== this.#headHash;
  }

  /** Adds the record id of every `RecordAnchored` of blocks `from`..`to`, a capped range per request. */
  async #scanRecords(address: string, from: number, to: number): Promise<void> {
    for (let start = from; start <= to; start += MAX_LOG_RANGE) {
      const logs = await this.#provider.getLogs({
        address,
        fromBlock: start,
        toBlock: Math.min(to, start + MAX_LOG_RANGE - 1),
        topics: [this.#recordTopic],
      });
      for (const log of logs) this.#records!.add(log.topics[1]);
    }
  }

  #invalidate(log: { topics: readonly string[]; data: string }): void {
    const parsed = this.#ledger.interface.parseLog(log);
    if (!parsed) return;
    const args = parsed.args;
    switch (parsed.name) {
      case "SourceRegistered":
        this.#keys.delete(String(args.signer).toLowerCase());
        break;
      case "SourceStatusChanged":
      case "SourceEpochChanged":
        this.#forgetSource(args.sourceId as bigint);
        break;
      case "SourceKeyRotated":
        this.#forgetSource(args.sourceId as bigint);
        this.#keys.delete(String(args.previousSigner).toLowerCase());
        this.#keys.delete(String(args.newSigner).toLowerCase());
        break;
      case "SourceFormatSet":
        this.#allowed.delete(`${args.sourceId}:${String(args.formatId).toLowerCase()}`);
        break;
      case "FormatRegistered":
      case "FormatDeprecated":
        this.#formats.delete(String(args.formatId).toLowerCase());
        break;
    }
  }

  #forgetSource(sourceId: bigint): void {
    for (const [key, state] of this.#keys) if (state.sourceId === sourceId) this.#keys.delete(key);
  }

  #clear(): void {
    this.#keys.clear();
    this.#allowed.clear();
    this.#formats.clear();
  }
}
