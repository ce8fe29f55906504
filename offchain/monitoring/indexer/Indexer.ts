import type { Log, Provider } from "ethers";

import { BaseError } from "../../shared/BaseError.js";
import type { BlobStore } from "../../storage/BlobStore.js";
import type { Database } from "../../storage/Database.js";
import { migrate } from "../../storage/migrate.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../../types/ethers-contracts/index.js";
import type { IndexerConfig } from "./config.js";
import { handlers, type LogPosition } from "./handlers.js";
import { logDerivedTables, monitoringMigrations } from "./schema.js";

export interface IndexerParameters {
  config: IndexerConfig;
  db: Database;
  /** Any ethers provider: the in-process Hardhat network, `hardhat node`, Anvil, Besu. */
  provider: Provider;
  /** Where gateways publish data block documents (M2R is only this store, never the gateway). */
  blobs: BlobStore;
}

/**
 * A rewind below what the index held final: the chain no longer has the boundary block (the one
 * every older row hangs from), because a node came back from an older state or a reorg went
 * deeper than `confirmations`. The rows were already rolled back when this is reported.
 */
export interface DeepReorg {
  /** The boundary block whose hash no longer matches (or which is above the head). */
  boundaryBlock: number;
  /** Newest block whose stored hash still matches the chain; null: none, re-indexed from `startBlock`. */
  provenBlock: number | null;
  head: number;
}

/** What one `sync()` did. */
export interface SyncResult {
  /** First orphaned block whose rows were rolled back, when a reorg was found. */
  reorgedFrom?: number;
  /** Set when the reorg reached below the finality boundary (`reorgedFrom` is set too). */
  deepReorg?: DeepReorg;
  /** Block range read, when there was one. */
  fromBlock?: number;
  toBlock?: number;
  logs: number;
  head: number;
  finalizedBlock: number;
}

/** The chain changed under a range being read; the next poll sees the reorg and rolls back. */
export class ReorgDuringSyncError extends BaseError {
  constructor(blockNumber: number) {
    super("INDEXER_REORG_DURING_SYNC", "A block changed while its logs were being read", {
      retryable: true,
      details: { blockNumber },
    });
  }
}

/**
 * What `start()` passes to its error callback after recovering from a `DeepReorg`: not a failure
 * of the index (it already equals a fresh index of the chain up to its checkpoint), but rows the
 * service served may have been withdrawn, which someone should hear about.
 */
export class DeepReorgError extends BaseError {
  constructor(reorg: DeepReorg) {
    super("INDEXER_DEEP_REORG", "The chain rewound below the index's finality boundary", {
      retryable: true,
      details: { ...reorg },
    });
  }
}

const CHECKPOINT = "default";
/** Heights compared per round trip while looking for the newest block that still matches. */
const PROOF_PAGE = 64;

/**
 * The supervisor's event index (Y.4561 M2P: monitoring FE ← processing FE). Polls `eth_getLogs`
 * of the DataLedger and AccessRegistry by block range, decodes each log with the typechain
 * interfaces, stores it in `idx_events` and runs its handler, all of a range in one transaction
 * with the checkpoint, so a crash repeats a range at worst, and repeating is a no-op.
 *
 * Reorgs and finality are explicit: blocks more than `confirmations` deep are final; the hashes of
 * the stored blocks above that are re-checked every poll, and from the first that no longer
 * matches the chain every derived row is deleted and the range read again. Final blocks are not
 * re-checked one by one, but the hash of the newest stored one (the boundary) is kept and checked
 * every poll: blocks chain by hash, so while it matches nothing under it changed. When it does not
 * (a node restarted from an older state, a reorg deeper than `confirmations`), the index rolls
 * back to the newest block whose stored hash (`idx_events`) still matches, or re-indexes from
 * `startBlock` if none does, and reports a `deepReorg`.
 *
 * @example
 * const indexer = new Indexer({ config, db, provider, blobs });
 * await indexer.migrate();
 * await indexer.sync(); // or indexer.start() to poll
 */
export class Indexer {
  readonly config: IndexerConfig;
  readonly db: Database;
  readonly provider: Provider;
  readonly blobs: BlobStore;
  readonly #ledgerInterface = DataLedger__factory.createInterface();
  readonly #accessInterface = AccessRegistry__factory.createInterface();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor({ config, db, provider, blobs }: IndexerParameters) {
    this.config = config;
    this.db = db;
    this.provider = provider;
    this.blobs = blobs;
  }

  /** Creates the `idx_` tables (migrations `monitoring-…`). */
  async migrate(): Promise<void> {
    await migrate(this.db, monitoringMigrations);
  }

  /** First block any followed contract can have logged in. */
  get startBlock(): number {
    const { ledger, access } = this.config.contracts;
    return Math.min(ledger.startBlock, access?.startBlock ?? ledger.startBlock);
  }

  /** Last block whose logs are indexed (startBlock - 1 before the first sync). */
  async indexedBlock(): Promise<number> {
    const rows = await this.db.query<{ block_number: string }>(
      "select block_number::text as block_number from idx_checkpoint where id = $1",
      [CHECKPOINT],
    );
    return rows[0] ? Number(rows[0].block_number) : this.startBlock - 1;
  }

  /**
   * One poll: rolls back orphaned blocks if the chain reorganised, then indexes at most
   * `batchSize` new blocks up to the head. Call until `toBlock === head` to catch up.
   */
  async sync(): Promise<SyncResult> {
    const network = await this.provider.getNetwork();
    if (Number(network.chainId) !== this.config.chainId) {
      throw new BaseError("INDEXER_WRONG_CHAIN", "The provider is on another chain", {
        details: { expected: this.config.chainId, actual: Number(network.chainId) },
      });
    }
    const head = await this.provider.getBlockNumber();
    const finalizedBlock = Math.max(this.startBlock - 1, head - this.config.confirmations);
    const reorg = await this.#checkReorg(head);
    const fromBlock = (await this.indexedBlock()) + 1;
    const toBlock = Math.min(head, fromBlock + this.config.batchSize - 1);
    if (fromBlock > toBlock) return { ...reorg, logs: 0, head, finalizedBlock };
    const logs = await this.syncRange(fromBlock, toBlock, finalizedBlock);
    return {
      ...reorg,
      fromBlock,
      toBlock,
      logs,
      head,
      finalizedBlock,
    };
  }

  /** Syncs until the index reaches the chain head; a reorg found on the way is reported. */
  async syncToHead(): Promise<SyncResult> {
    let reorg: Pick<SyncResult, "reorgedFrom" | "deepReorg"> = {};
    for (;;) {
      const result = await this.sync();
      if (reorg.reorgedFrom === undefined && result.reorgedFrom !== undefined) {
        reorg = { reorgedFrom: result.reorgedFrom, deepReorg: result.deepReorg };
      }
      if (result.toBlock === undefined || result.toBlock >= result.head) {
        return { ...result, ...(reorg.reorgedFrom === undefined ? {} : reorg) };
      }
    }
  }

  /**
   * Indexes the logs of blocks `fromBlock`..`toBlock` and moves the checkpoint to `toBlock` if it
   * was lower. Safe to call again over a range already indexed: every write is keyed by
   * (block hash, log index). Returns the number of logs read.
   */
  async syncRange(fromBlock: number, toBlock: number, finalizedBlock?: number): Promise<number> {
    const { ledger, access } = this.config.contracts;
    const addresses = [ledger.address, ...(access ? [access.address] : [])];
    const logs = await this.provider.getLogs({ address: addresses, fromBlock, toBlock });

    // Headers of the blocks with logs (for hash and timestamp) and of the range end, so the next
    // poll can tell whether anything up to here was orphaned.
    const numbers = [...new Set([...logs.map((l) => l.blockNumber), toBlock])];
    const headers = new Map<number, { hash: string; timestamp: number }>();
    for (const n of numbers) {
      const block = await this.provider.getBlock(n);
      if (!block?.hash) throw new ReorgDuringSyncError(n);
      headers.set(n, { hash: block.hash.toLowerCase(), timestamp: Number(block.timestamp) });
    }
    for (const log of logs) {
      if (headers.get(log.blockNumber)!.hash !== log.blockHash.toLowerCase()) {
        throw new ReorgDuringSyncError(log.blockNumber);
      }
    }

    const finalized =
      finalizedBlock ?? Math.max(this.startBlock - 1, toBlock - this.config.confirmations);
    await this.db.transaction(async (tx) => {
      for (const [number, { hash, timestamp }] of headers) {
        await tx.query(
          `insert into idx_blocks (number, hash, timestamp) values ($1, $2, $3)
           on conflict (number) do update set hash = excluded.hash, timestamp = excluded.timestamp`,
          [number, hash, timestamp],
        );
      }
      for (const log of logs) {
        const position: LogPosition = {
          blockHash: log.blockHash.toLowerCase(),
          blockNumber: log.blockNumber,
          logIndex: log.index,
          txHash: log.transactionHash.toLowerCase(),
          timestamp: headers.get(log.blockNumber)!.timestamp,
          address: log.address.toLowerCase(),
        };
        await this.#applyLog(tx, log, position);
      }
      await tx.query(
        `insert into idx_checkpoint (id, chain_id, block_number, finalized_block) values ($1, $2, $3, $4)
         on conflict (id) do update set
           block_number = greatest(idx_checkpoint.block_number, excluded.block_number),
           finalized_block = greatest(idx_checkpoint.finalized_block, excluded.finalized_block),
           updated_at = now()`,
        [CHECKPOINT, this.config.chainId, toBlock, finalized],
      );
      // Final blocks are not re-checked one by one, so their hashes need not be kept, but for
      // the newest stored one: the boundary, whose hash vouches for every block under it. It is
      // a block this index read (logs or a range end), never one fetched for the purpose, which
      // could come from another fork than the rows under it.
      await tx.query(
        `delete from idx_blocks
          where number < (select max(number) from idx_blocks where number <= $1)`,
        [finalized],
      );
    });
    return logs.length;
  }

  /**
   * Polls `sync()` every `pollingIntervalMs` until `stop()`; errors are reported, not fatal, and
   * so is a recovered deep reorg (`DeepReorgError`, code INDEXER_DEEP_REORG).
   */
  start(onError: (error: unknown) => void = () => {}): void {
    if (this.#timer) return;
    const tick = async () => {
      this.#running = this.syncToHead()
        .then((result) => {
          if (result.deepReorg) onError(new DeepReorgError(result.deepReorg));
        })
        .catch(onError);
      await this.#running;
      if (this.#timer) this.#timer = setTimeout(tick, this.config.pollingIntervalMs);
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for a running poll to finish. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Compares the boundary block's stored hash, then those of the non-final blocks above it, with
   * the chain. The boundary gone (another hash there, or above the head): rolled back to the
   * newest block still proven (`#provenBlock`). Otherwise, at the first mismatch above it (or a
   * block the chain no longer has) every row above the last matching block is deleted in one
   * transaction. Returns what was rolled back, if anything.
   */
  async #checkReorg(head: number): Promise<Pick<SyncResult, "reorgedFrom" | "deepReorg">> {
    // Ordered by the column, not the output name: a text alias would sort "100" before "99".
    const stored = await this.db.query<{ number: number; hash: string }>(
      "select number::float8 as number, hash from idx_blocks order by idx_blocks.number",
    );
    if (stored.length === 0) return {};
    const hashes = await Promise.all(
      stored.map(({ number }) => (number <= head ? this.#hashAt(number) : null)),
    );
    const boundaryBlock = stored[0].number;
    if (hashes[0] !== stored[0].hash) {
      const proven = await this.#provenBlock(boundaryBlock, head);
      const reorgedFrom = proven ? proven.number + 1 : this.startBlock;
      await this.#rollback(reorgedFrom, proven);
      return {
        reorgedFrom,
        deepReorg: { boundaryBlock, provenBlock: proven?.number ?? null, head },
      };
    }
    // Every range end and every block with logs is stored, so the fork lies above the last block
    // that still matches: blocks between two stored ones held no logs before the reorg but may now.
    let lastMatched = boundaryBlock;
    for (const [i, { number, hash }] of stored.entries()) {
      if (hashes[i] !== hash) {
        await this.rollback(lastMatched + 1);
        return { reorgedFrom: lastMatched + 1 };
      }
      lastMatched = number;
    }
    return {};
  }

  /**
   * The newest block under `below` that this index read logs from and whose hash the chain still
   * has there, with its header: every row up to it is intact. Walks the stored heights newest
   * first, a page per round trip, so a rewind costs the orphaned heights plus one.
   */
  async #provenBlock(
    below: number,
    head: number,
  ): Promise<{ number: number; hash: string; timestamp: number } | undefined> {
    for (;;) {
      const page = await this.db.query<{ number: number; hash: string; timestamp: number }>(
        `select distinct block_number::float8 as number, block_hash as hash,
           timestamp::float8 as timestamp
           from idx_events where block_number < $1 order by number desc limit $2`,
        [below, PROOF_PAGE],
      );
      if (page.length === 0) return undefined;
      const hashes = await Promise.all(
        page.map(({ number }) => (number <= head ? this.#hashAt(number) : null)),
      );
      const i = page.findIndex(({ hash }, j) => hashes[j] === hash);
      if (i >= 0) return page[i];
      below = page[page.length - 1].number;
    }
  }

  async #hashAt(blockNumber: number): Promise<string | undefined> {
    return (await this.provider.getBlock(blockNumber))?.hash?.toLowerCase();
  }

  /** Deletes every row derived from block `fromBlock` or later and rewinds the checkpoint. */
  async rollback(fromBlock: number): Promise<void> {
    await this.#rollback(fromBlock);
  }

  /** `rollback`, keeping `boundary` (the block under `fromBlock`) as the new finality boundary. */
  async #rollback(
    fromBlock: number,
    boundary?: { number: number; hash: string; timestamp: number },
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const table of logDerivedTables) {
        await tx.query(`delete from ${table} where block_number >= $1`, [fromBlock]);
      }
      await tx.query("delete from idx_blocks where number >= $1", [fromBlock]);
      if (boundary) {
        await tx.query(
          `insert into idx_blocks (number, hash, timestamp) values ($1, $2, $3)
           on conflict (number) do update set hash = excluded.hash, timestamp = excluded.timestamp`,
          [boundary.number, boundary.hash, boundary.timestamp],
        );
      }
      // Nothing above the indexed block is final to the index, whatever the head said before.
      await tx.query(
        `update idx_checkpoint set block_number = least(block_number, $2),
           finalized_block = least(finalized_block, $2), updated_at = now() where id = $1`,
        [CHECKPOINT, fromBlock - 1],
      );
    });
  }

  async #applyLog(
    tx: Parameters<Parameters<Database["transaction"]>[0]>[0],
    log: Log,
    position: LogPosition,
  ): Promise<void> {
    const isLedger = position.address === this.config.contracts.ledger.address.toLowerCase();
    const iface = isLedger ? this.#ledgerInterface : this.#accessInterface;
    let parsed: ReturnType<typeof iface.parseLog> = null;
    try {
      parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      // An undecodable log is still part of the audit trail, kept raw below.
    }
    const args = parsed
      ? Object.fromEntries(
          parsed.fragment.inputs.map((input, i) => [input.name, toJson(parsed.args[i])]),
        )
      : { topics: log.topics, data: log.data };
    await tx.query(
      `insert into idx_events
         (block_hash, log_index, block_number, tx_hash, contract, address, event_name, args, timestamp)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
      [
        position.blockHash,
        position.logIndex,
        position.blockNumber,
        position.txHash,
        isLedger ? "DataLedger" : "AccessRegistry",
        position.address,
        parsed?.name ?? "Unknown",
        JSON.stringify(args),
        position.timestamp,
      ],
    );
    const handler = parsed ? handlers[parsed.name] : undefined;
    if (handler && parsed) {
      await handler({
        db: tx,
        blobs: this.blobs,
        provider: this.provider,
        ledgerInterface: this.#ledgerInterface,
        ledgerAddress: this.config.contracts.ledger.address,
        args: parsed.args,
        log: position,
      });
    }
  }
}

function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string")
    return value.toLowerCase().startsWith("0x") ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(toJson);
  return value;
}
