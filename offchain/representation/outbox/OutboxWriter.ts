import type { Hex } from "viem";

import type { Queryable } from "../../storage/Database.js";
import { insertAcceptedRecords, type OutboxEntry } from "./insertAcceptedRecords.js";

/** A record the outbox now holds, with its place in the outbox's sequence. */
export interface StoredRecord extends OutboxEntry {
  seq: number;
}

export interface OutboxWriterOptions {
  /**
   * Told of every record a statement stored, in sequence order, right after its commit and
   * before any caller hears of it (the batcher queues block-mode records from here).
   */
  onStored?: (records: StoredRecord[]) => void;
  /** Most rows in one statement when requests queue up (default 8192). */
  maxRows?: number;
}

interface Job {
  entries: readonly OutboxEntry[];
  resolve: (created: Set<Hex>) => void;
  reject: (error: unknown) => void;
}

/**
 * The one way records enter the outbox (Y.4561 8.6 step 3: stored before "accepted" is said).
 * Statements run one at a time, so rows commit in the order of their sequence numbers: the
 * batcher relies on that to own blocks by sequence range (no commit can land inside a range
 * once it is packed). Requests that arrive while a statement runs are stored together by the
 * next one (group commit): one durable commit for all of them, and the write path's throughput
 * does not depend on how many requests are in flight.
 *
 * @example
 * const writer = new OutboxWriter(db, { onStored: (records) => batcher.enqueue(records) });
 * const created = await writer.write([{ submission, acceptedAt: Date.now() }]);
 */
export class OutboxWriter {
  readonly #db: Queryable;
  readonly #options: OutboxWriterOptions;
  #waiting: Job[] = [];
  #writing = false;

  constructor(db: Queryable, options: OutboxWriterOptions = {}) {
    this.#db = db;
    this.#options = options;
  }

  /**
   * Stores the entries (distinct record ids) unless the outbox already holds their ids, and
   * resolves with the ids this call stored. Rejects, having stored none of them, if the
   * statement fails.
   */
  write(entries: readonly OutboxEntry[]): Promise<Set<Hex>> {
    if (entries.length === 0) return Promise.resolve(new Set());
    return new Promise((resolve, reject) => {
      this.#waiting.push({ entries, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#waiting.length > 0) await this.#writeGroup(this.#takeGroup());
    } finally {
      this.#writing = false;
    }
  }

  #takeGroup(): Job[] {
    const maxRows = this.#options.maxRows ?? 8192;
    let rows = 0;
    let n = 0;
    while (
      n < this.#waiting.length &&
      (n === 0 || rows + this.#waiting[n].entries.length <= maxRows)
    ) {
      rows += this.#waiting[n].entries.length;
      n++;
    }
    return this.#waiting.splice(0, n);
  }

  async #writeGroup(group: Job[]): Promise<void> {
    let stored: Map<Hex, number>;
    try {
      stored = await insertAcceptedRecords(
        this.#db,
        group.flatMap((job) => job.entries),
      );
    } catch (error) {
      for (const job of group) job.reject(error);
      return;
    }
    // An id two requests of the group both carry was stored for the first one; the later one
    // finds it already held, as if it had come after.
    const created = group.map(() => new Set<Hex>());
    const records: StoredRecord[] = [];
    for (const [i, job] of group.entries()) {
      for (const entry of job.entries) {
        const id = entry.submission.recordId;
        const seq = stored.get(id);
        if (seq === undefined) continue;
        stored.delete(id);
        created[i].add(id);
        records.push({ ...entry, seq });
      }
    }
    records.sort((a, b) => a.seq - b.seq);
    try {
      this.#options.onStored?.(records);
    } catch {
      // The rows are committed whatever a listener does; the batcher rereads the outbox when
      // its queue disagrees with it.
    }
    group.forEach((job, i) => job.resolve(created[i]));
  }
}
