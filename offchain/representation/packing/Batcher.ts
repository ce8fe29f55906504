import { setImmediate } from "node:timers/promises";

import { createKeccak } from "hash-wasm";

import type { Address, Hex } from "viem";

import { canonicalJson } from "../../sdk/canonicalJson.js";
import type { SignedOperation } from "../../sdk/wire.js";
import type { BlobStore } from "../../storage/BlobStore.js";
import type { Database } from "../../storage/Database.js";
import { DataBlockTree } from "./DataBlockTree.js";
import { operationJson } from "../accept/operationJson.js";
import type { StoredRecord } from "../outbox/OutboxWriter.js";

export interface BatcherOptions {
  db: Database;
  /** The gateway's address (its GATEWAY_ROLE key): the leaves and the block id commit to it. */
  gateway: Address;
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
  /** The ledger's key of the block once anchored: `dataBlockId(gateway, root)`. */
  blockId: Hex;
  root: Hex;
  /** In acceptance order, which is leaf order (and the block document's order). */
  recordIds: Hex[];
}

/** A block-mode record waiting in the outbox for its data block. */
interface QueuedRecord {
  /** Its place in the outbox's sequence (`gateway_records.seq`). */
  seq: number;
  recordId: Hex;
  operation: SignedOperation;
  /** Its canonical JSON, when the accept path made it already. */
  operationJson?: string;
  /** Canonical payload text, to publish with the block (null for rows that no longer hold it). */
  payload: string | null;
  /** The same payload as bytes, when the accept path encoded it already. */
  payloadBytes?: Uint8Array;
  acceptedAt: number;
}

/**
 * Packs accepted "block"-mode records, in acceptance order, into data blocks (Y.4561 7.1.1
 * "encapsulation", 8.6 step 4): a block is cut when `maxBlockSize` records wait, or when the
 * oldest has waited `maxWaitMs`. The Merkle tree is the positional tree of data block protocol
 * v3 (DataBlockTree), leaves in acceptance order and hashed with the gateway's own address, so
 * its root is what the ledger's `verifyInclusion` and judge check for this gateway's block. The
 * block's payloads and its document (canonical JSON of `{ root, operations }`, operations in
 * leaf order) are published to the BlobStore before the block row is committed.
 *
 * A block owns the range of the outbox's sequence its records span (see migrations.ts), so
 * packing writes one block row and no record row. The records waiting
 * are held in memory, handed over by the OutboxWriter as they commit; the outbox is read only
 * at start-up, and again whenever the block row's check finds the memory and the outbox
 * disagree.
 *
 * @example
 * const batcher = new Batcher({ db, blobStore, maxBlockSize: 256, maxWaitMs: 2_000 });
 * const packed = await batcher.tick(); // call from a loop
 */
export class Batcher {
  /** Block-mode records not yet in a block, in sequence order. */
  #queue: QueuedRecord[] = [];
  /** Whether #queue holds everything the outbox had waiting when the batcher started. */
  #loaded = false;
  /** Records in blocks not yet anchored, as counted at the end of the last tick. */
  #inBlocks = 0;

  constructor(readonly options: BatcherOptions) {}

  /**
   * About how many accepted block-mode records wait to be anchored: the gateway turns new
   * submissions away (GATEWAY_BUSY) above a limit, so that an overload shows up as backpressure
   * on devices instead of an ever longer wait for anchoring.
   */
  backlog(): number {
    return this.#queue.length + this.#inBlocks;
  }

  /**
   * Records the outbox just committed, in sequence order (OutboxWriter.onStored): the
   * block-mode ones join the queue.
   */
  enqueue(records: readonly StoredRecord[]): void {
    let last = this.#queue.at(-1)?.seq ?? -1;
    for (const { seq, submission, acceptedAt } of records) {
      if (submission.mode !== "block") continue;
      if (seq <= last) continue; // already queued (read at start-up)
      this.#queue.push({
        seq,
        recordId: submission.recordId,
        operation: submission.operation,
        operationJson: submission.operationJson,
        payload: submission.payloadText,
        payloadBytes: submission.payloadBytes,
        acceptedAt,
      });
      last = seq;
    }
  }

  /** Packs every block that is due now; returns them in packing order. */
  async tick(now = Date.now()): Promise<PackedBlock[]> {
    if (!this.#loaded) await this.#load();
    const packed: PackedBlock[] = [];
    for (;;) {
      const block = await this.#packOne(now);
      if (!block) break;
      packed.push(block);
    }
    if (packed.length > 0) this.options.onPacked?.();
    // Waiting means not yet anchored: a submitter that falls behind must slow acceptance down
    // as much as a batcher that does.
    const [{ n }] = await this.options.db.query<{ n: number | string }>(
      `select coalesce(sum(count), 0)::int as n from gateway_blocks
        where status in ('packed', 'submitted')`,
    );
    this.#inBlocks = Number(n);
    return packed;
  }

  /** Everything after the last block's range, merged with what was queued meanwhile. */
  async #load(): Promise<void> {
    const rows = await this.options.db.query<{
      seq: string;
      record_id: Hex;
      operation: SignedOperation;
      payload: string | null;
      accepted_at: number;
    }>(
      `select seq::text as seq, record_id, operation, payload, accepted_at::float8 as accepted_at
         from gateway_records
        where mode = 'block'
          and seq > coalesce((select max(last_seq) from gateway_blocks), 0)
        order by seq`,
    );
    const bySeq = new Map<number, QueuedRecord>();
    for (const row of rows) {
      const seq = Number(row.seq);
      bySeq.set(seq, {
        seq,
        recordId: row.record_id,
        operation: row.operation,
        payload: row.payload,
        acceptedAt: Number(row.accepted_at),
      });
    }
    for (const record of this.#queue) bySeq.set(record.seq, record);
    this.#queue = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    this.#loaded = true;
  }

  async #packOne(now: number): Promise<PackedBlock | undefined> {
    const { db, maxBlockSize, maxWaitMs } = this.options;
    const records = this.#queue.slice(0, maxBlockSize);
    if (records.length === 0) return undefined;
    const due = records.length >= maxBlockSize || now - records[0].acceptedAt >= maxWaitMs;
    if (!due) return undefined;

    // Leaf i is the range's i-th record: a record's leaf index is its rank in the range and its
    // position in the document, and its proof is read from the stored nodes alone.
    const operations = records.map((r) => r.operation);
    const tree = await DataBlockTree.build(this.options.gateway, operations);
    const { root, blockId } = tree;
    const sampled = operations.map((op) => op.record.sampledAt);

    // Payloads wait in the outbox row (one durable write with the acceptance); they and the
    // block document are published, side by side, before the block commits, so a crash here
    // only means publishing them again.
    const payloads = records.filter((r) => r.payload !== null);
    const [, [documentHash]] = await Promise.all([
      this.options.blobStore.putMany(
        payloads.map((r) => r.payloadBytes ?? Buffer.from(r.payload!, "utf8")),
        // Content-addressed by data hash; records of one payload share the blob.
        payloads.map((r) => r.operation.record.dataHash),
      ),
      blockDocument(
        root,
        records.map((r) => (r.operationJson ? { json: r.operationJson } : r.operation)),
      ).then(({ bytes, hash }) => this.options.blobStore.putMany([bytes], [hash])),
    ]);

    const firstSeq = records[0].seq;
    const lastSeq = records.at(-1)!.seq;
    // One statement, so no transaction. It checks what the range claims: no block reaches into
    // it (a second packer on the same database) and the outbox holds exactly these records in
    // it (a row the memory missed would otherwise join a block without a leaf).
    const inserted = await db.query<{ block_id: Hex }>(
      `insert into gateway_blocks
         (block_id, root, count, first_seq, last_seq, first_sampled_at, last_sampled_at, uri,
          status, created_at, nodes)
       select $10, $1, $2::int, $3::bigint, $4::bigint, $5, $6, $7, 'packed', $8, $9
        where not exists (select 1 from gateway_blocks where last_seq >= $3::bigint)
          and (select count(*) from gateway_records
                where mode = 'block' and seq between $3::bigint and $4::bigint) = $2::int
       returning block_id`,
      [
        root,
        records.length,
        firstSeq,
        lastSeq,
        Math.min(...sampled),
        Math.max(...sampled),
        `blob:${documentHash}`,
        now,
        tree.nodes(),
        blockId,
      ],
    );
    if (inserted.length === 0) {
      this.#queue = [];
      this.#loaded = false;
      throw new Error(
        `packing ${root}: the outbox's records ${firstSeq}..${lastSeq} are not the ${records.length} queued; rereading the outbox`,
      );
    }
    // Only appends happened meanwhile (enqueue); the packed records are still the first ones.
    this.#queue.splice(0, records.length);
    return { blockId, root, recordIds: records.map((r) => r.recordId) };
  }
}

/**
 * The block document, canonical JSON of `{ root, operations }` (RFC 8785: "operations" sorts
 * before "root"), with its keccak256 (its BlobStore key). Built and hashed a slice of operations
 * at a time so the event loop keeps serving requests: hashing a 4096-operation document at once
 * held it for ~10 ms. An operation may come as its canonical JSON already (`{ json }`, from the
 * accept path).
 *
 * @example
 * const { bytes, hash } = await blockDocument(tree.root, operations);
 */
export async function blockDocument(
  root: Hex,
  operations: readonly (SignedOperation | { json: string })[],
): Promise<{ bytes: Buffer; hash: Hex }> {
  // Its own hasher: the shared one must not be left mid-hash across an await.
  const hasher = await createKeccak(256);
  const chunks: Buffer[] = [];
  const add = (text: string) => {
    const chunk = Buffer.from(text, "utf8");
    hasher.update(chunk);
    chunks.push(chunk);
  };
  add(`{"operations":[`);
  for (let i = 0; i < operations.length; i += 256) {
    if (i > 0) await setImmediate();
    const parts = operations
      .slice(i, i + 256)
      .map((operation) => ("json" in operation ? operation.json : operationJson(operation)));
    add(`${i > 0 ? "," : ""}${parts.join(",")}`);
  }
  add(`],"root":${canonicalJson(root)}}`);
  return { bytes: Buffer.concat(chunks), hash: `0x${hasher.digest("hex")}` };
}
