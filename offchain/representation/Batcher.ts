import { setImmediate } from "node:timers/promises";

import type { Hex } from "viem";

import { canonicalJson } from "../sdk/canonicalJson.js";
import type { SignedOperation } from "../sdk/types.js";
import type { BlobStore } from "../storage/BlobStore.js";
import type { Database } from "../storage/Database.js";
import { DataBlockTree } from "./DataBlockTree.js";

export interface BatcherOptions {
  db: Database;
  blobStore: BlobStore;
  /** Most operations in one data block. */
  maxBlockSize: number;
  /** Longest an accepted record waits for its block to fill before a partial block is cut. */
  maxWaitMs: number;
  /** Called after a block was packed (wakes the submitter). */
  onPacked?: () => void;
}

/** A data block just packed. */
export interface PackedBlock {
  root: Hex;
  /** In acceptance order (the block's document lists them in leaf order). */
  recordIds: Hex[];
}

/**
 * Packs accepted "block"-mode records, in acceptance order, into data blocks (Y.4561 7.1.1
 * "encapsulation", 8.6 step 4): a block is cut when `maxBlockSize` records wait, or when the
 * oldest has waited `maxWaitMs`. The Merkle tree is StandardMerkleTree's over the SDK's leaf
 * encoding, so its root is what the ledger's `leafHash`/`verifyInclusion` check. The block's
 * payloads and its document (canonical JSON of `{ root, operations }`, operations in leaf order)
 * are published to the BlobStore before the block row is committed; the block (with its tree's
 * nodes, from which receipts read proofs) and every record's root and leaf index are committed
 * in one transaction.
 *
 * @example
 * const batcher = new Batcher({ db, blobStore, maxBlockSize: 256, maxWaitMs: 2_000 });
 * const packed = await batcher.tick(); // call from a loop
 */
export class Batcher {
  /** Block-mode records waiting to be anchored, as counted at the end of the last tick. */
  #counted = 0;
  /** Records the accept path reported since that count. */
  #acceptedSince = 0;

  constructor(readonly options: BatcherOptions) {}

  /**
   * About how many accepted block-mode records wait to be anchored: the gateway turns new
   * submissions away (GATEWAY_BUSY) above a limit, so that an overload shows up as backpressure
   * on devices instead of an ever longer wait for anchoring. Recounted every tick.
   */
  backlog(): number {
    return this.#counted + this.#acceptedSince;
  }

  /** Called by the accept path after it stored `count` block-mode records. */
  noteAccepted(count: number): void {
    this.#acceptedSince += count;
  }

  /** Packs every block that is due now; returns them in packing order. */
  async tick(now = Date.now()): Promise<PackedBlock[]> {
    const packed: PackedBlock[] = [];
    for (;;) {
      const block = await this.#packOne(now);
      if (!block) break;
      packed.push(block);
    }
    if (packed.length > 0) this.options.onPacked?.();
    const acceptedBefore = this.#acceptedSince;
    // Waiting means not yet anchored: unpacked, or in a block not yet anchored (a submitter
    // that falls behind must slow acceptance down as much as a batcher that does).
    const [{ n }] = await this.options.db.query<{ n: number | string }>(
      `select ((select count(*) from gateway_records where status = 'accepted' and mode = 'block')
             + (select coalesce(sum(count), 0) from gateway_blocks
                where status in ('packed', 'submitted')))::int as n`,
    );
    this.#counted = Number(n);
    this.#acceptedSince -= acceptedBefore; // what was accepted during the count stays counted
    return packed;
  }

  async #packOne(now: number): Promise<PackedBlock | undefined> {
    const { db, maxBlockSize, maxWaitMs } = this.options;
    const rows = await db.query<{
      record_id: Hex;
      operation: SignedOperation;
      payload: string | null;
      accepted_at: number;
    }>(
      `select record_id, operation, payload, accepted_at::float8 as accepted_at
       from gateway_records
       where status = 'accepted' and mode = 'block'
       order by seq limit $1`,
      [maxBlockSize],
    );
    if (rows.length === 0) return undefined;
    const due = rows.length >= maxBlockSize || now - Number(rows[0].accepted_at) >= maxWaitMs;
    if (!due) return undefined;

    const tree = await DataBlockTree.build(rows.map((r) => r.operation));
    // The block lists its operations in leaf order, so a record's leaf index is its position
    // in the document and its proof can be read from the stored nodes alone.
    const members = tree.order.map((i) => rows[i]);
    const operations = members.map((r) => r.operation);
    const root = tree.root;
    const sampled = operations.map((op) => op.record.sampledAt);

    // Payloads wait in the outbox row (one durable write with the acceptance); they and the
    // block document are published, side by side, before the block commits, so a crash here
    // only means publishing them again.
    const payloads = members.filter((r) => r.payload !== null);
    const [, documentHash] = await Promise.all([
      this.options.blobStore.putMany(
        payloads.map((r) => Buffer.from(r.payload!, "utf8")),
        payloads.map((r) => r.record_id),
      ),
      blockDocument(root, operations).then((document) => this.options.blobStore.put(document)),
    ]);

    await db.transaction(async (tx) => {
      await tx.query(
        `insert into gateway_blocks
           (root, count, first_sampled_at, last_sampled_at, uri, status, created_at, nodes)
         values ($1, $2, $3, $4, $5, 'packed', $6, $7)`,
        [
          root,
          members.length,
          Math.min(...sampled),
          Math.max(...sampled),
          `blob:${documentHash}`,
          now,
          tree.nodes(),
        ],
      );
      // The status guard makes a concurrent packer (a second gateway process on the same
      // database) fail this transaction instead of putting a record into two blocks.
      const updated = await tx.query(
        `update gateway_records r
         set status = 'packed', block_root = $1, leaf_index = m.position - 1, payload = null
         from unnest($2::text[]) with ordinality as m(record_id, position)
         where r.record_id = m.record_id and r.status = 'accepted' and r.block_root is null
         returning r.record_id`,
        [root, members.map((r) => r.record_id)],
      );
      if (updated.length !== members.length) {
        throw new Error(
          `packing ${root}: ${updated.length} of ${members.length} records claimable`,
        );
      }
    });
    return { root, recordIds: rows.map((r) => r.record_id) };
  }
}

/**
 * The block document, canonical JSON of `{ root, operations }` (RFC 8785: "operations" sorts
 * before "root"), built a slice of operations at a time so the event loop keeps serving requests.
 *
 * @example
 * const bytes = await blockDocument(tree.root, operations);
 */
export async function blockDocument(
  root: Hex,
  operations: readonly SignedOperation[],
): Promise<Buffer> {
  const parts: string[] = [];
  for (let i = 0; i < operations.length; i += 256) {
    if (i > 0) await setImmediate();
    for (const operation of operations.slice(i, i + 256)) parts.push(canonicalJson(operation));
  }
  return Buffer.from(`{"operations":[${parts.join(",")}],"root":${canonicalJson(root)}}`, "utf8");
}
