import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { toBytes, type Hex } from "viem";

import { canonicalJson } from "../sdk/canonicalJson.js";
import { leafEncoding, leafValues } from "../sdk/leafHash.js";
import type { SignedOperation } from "../sdk/types.js";
import type { BlobStore } from "../storage/BlobStore.js";
import type { Database } from "../storage/Database.js";

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
  recordIds: Hex[];
}

/**
 * Packs accepted "block"-mode records, in acceptance order, into data blocks (Y.4561 7.1.1
 * "encapsulation", 8.6 step 4): a block is cut when `maxBlockSize` records wait, or when the
 * oldest has waited `maxWaitMs`. The Merkle tree uses the SDK's leaf encoding, so its root is
 * what the ledger's `leafHash`/`verifyInclusion` check. The block document (canonical JSON of
 * `{ root, operations }`) is published to the BlobStore before the block row is committed, and
 * the block and every record's root, leaf index and proof are committed in one transaction.
 *
 * @example
 * const batcher = new Batcher({ db, blobStore, maxBlockSize: 256, maxWaitMs: 2_000 });
 * const packed = await batcher.tick(); // call from a loop
 */
export class Batcher {
  constructor(readonly options: BatcherOptions) {}

  /** Packs every block that is due now; returns them in packing order. */
  async tick(now = Date.now()): Promise<PackedBlock[]> {
    const packed: PackedBlock[] = [];
    for (;;) {
      const block = await this.#packOne(now);
      if (!block) break;
      packed.push(block);
    }
    if (packed.length > 0) this.options.onPacked?.();
    return packed;
  }

  async #packOne(now: number): Promise<PackedBlock | undefined> {
    const { db, maxBlockSize, maxWaitMs } = this.options;
    const rows = await db.query<{
      record_id: Hex;
      operation: SignedOperation;
      accepted_at: number;
    }>(
      `select record_id, operation, accepted_at::float8 as accepted_at from gateway_records
       where status = 'accepted' and mode = 'block'
       order by seq limit $1`,
      [maxBlockSize],
    );
    if (rows.length === 0) return undefined;
    const due = rows.length >= maxBlockSize || now - Number(rows[0].accepted_at) >= maxWaitMs;
    if (!due) return undefined;

    const operations = rows.map((r) => r.operation);
    const tree = StandardMerkleTree.of(
      operations.map((op) => [...leafValues(op)]),
      [...leafEncoding],
    );
    const root = tree.root as Hex;
    const sampled = operations.map((op) => op.record.sampledAt);
    const documentHash = await this.options.blobStore.put(
      toBytes(canonicalJson({ root, operations })),
    );
    const members = rows.map((r, i) => ({
      record_id: r.record_id,
      leaf_index: i,
      proof: tree.getProof(i),
    }));

    await db.transaction(async (tx) => {
      await tx.query(
        `insert into gateway_blocks
           (root, count, first_sampled_at, last_sampled_at, uri, status, created_at)
         values ($1, $2, $3, $4, $5, 'packed', $6)`,
        [
          root,
          rows.length,
          Math.min(...sampled),
          Math.max(...sampled),
          `blob:${documentHash}`,
          now,
        ],
      );
      // The status guard makes a concurrent packer (a second gateway process on the same
      // database) fail this transaction instead of putting a record into two blocks.
      const updated = await tx.query(
        `update gateway_records r
         set status = 'packed', block_root = $1, leaf_index = m.leaf_index, proof = m.proof
         from jsonb_to_recordset($2::jsonb) as m(record_id text, leaf_index integer, proof jsonb)
         where r.record_id = m.record_id and r.status = 'accepted' and r.block_root is null
         returning r.record_id`,
        [root, JSON.stringify(members)],
      );
      if (updated.length !== rows.length) {
        throw new Error(`packing ${root}: ${updated.length} of ${rows.length} records claimable`);
      }
    });
    return { root, recordIds: rows.map((r) => r.record_id) };
  }
}
