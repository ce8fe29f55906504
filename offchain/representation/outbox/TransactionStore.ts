import type { Hex } from "viem";

import type { SignedOperation } from "../../sdk/wire.js";
import type { Database, Queryable } from "../../storage/Database.js";
import type { BlockRef } from "../anchoring/ChainHead.js";

/** What one transaction anchors: a block by its ledger key `dataBlockId(gateway, root)`, a relayed record by its record id. */
export type AnchoringSubject = { kind: "block" | "record"; id: Hex };

/** Where and when the ledger anchored a subject; the transaction and block are unknown when only the ledger's word is. */
export interface Anchoring {
  txHash?: string;
  blockNumber?: number;
  blockHash?: string;
  anchoredAt: number;
}

/** What the ledger's submit function for a subject takes. */
export type SubjectContent =
  | {
      kind: "block";
      root: Hex;
      count: number;
      firstSampledAt: number;
      lastSampledAt: number;
      uri: string;
    }
  | { kind: "record"; operation: SignedOperation };

/** A signed transaction, to store before it is broadcast. */
export interface SignedTransaction {
  nonce: number;
  to: string;
  data: string;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  raw: string;
  txHash: Hex;
}

/** A stored transaction still waiting for its receipt. */
export interface PendingTransaction extends SignedTransaction {
  /** The row's id (a bigint, as text). */
  id: string;
  subject: AnchoringSubject;
  /** Unix ms of its last broadcast a node took; null when it never got that far. */
  broadcastAt: number | null;
}

type PendingRow = {
  id: string;
  subject_kind: "block" | "record";
  subject_id: Hex;
  nonce: string;
  to_address: string;
  data: string;
  gas_limit: string;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  raw: string;
  tx_hash: Hex;
  broadcast_at: number | null;
};

/** The anchoring statuses a subject moves through here ("anchored" is set by `markAnchored` alone). */
type OpenStatus = "packed" | "accepted" | "submitted" | "failed";

/**
 * The anchoring stage's side of the outbox (schema in `migrations.ts`): the signed transactions
 * (`gateway_txs`) and the anchoring status of the subjects they carry, data blocks
 * (`gateway_blocks`, their records follow through `gateway_record_states`) and relayed records
 * (`gateway_records`). Every statement the submitter runs is here, each atomic on its own or in
 * one database transaction, so that the database alone says where to resume after a crash.
 *
 * @example
 * const store = new TransactionStore(db);
 * for (const subject of await store.due(16)) await send(subject, await store.content(subject));
 */
export class TransactionStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Packed blocks and accepted relayed records, oldest first: what needs a first transaction. */
  due(limit: number): Promise<AnchoringSubject[]> {
    return this.#db.query<AnchoringSubject>(
      `select kind, id from (
         select 'block' as kind, block_id as id, created_at as t from gateway_blocks where status = 'packed'
         union all
         select 'record', record_id, accepted_at from gateway_records
         where status = 'accepted' and mode = 'relayed'
       ) due order by t, id limit $1`,
      [limit],
    );
  }

  /** The arguments of the ledger call that anchors `subject`. */
  async content(subject: AnchoringSubject): Promise<SubjectContent> {
    if (subject.kind === "block") {
      const [b] = await this.#db.query<{
        root: Hex;
        count: number;
        first_sampled_at: number;
        last_sampled_at: number;
        uri: string;
      }>(
        `select root, count, first_sampled_at::float8 as first_sampled_at,
           last_sampled_at::float8 as last_sampled_at, uri
         from gateway_blocks where block_id = $1`,
        [subject.id],
      );
      if (!b) throw new Error(`the outbox holds no block ${subject.id}`);
      return {
        kind: "block",
        root: b.root,
        count: b.count,
        firstSampledAt: b.first_sampled_at,
        lastSampledAt: b.last_sampled_at,
        uri: b.uri,
      };
    }
    const [r] = await this.#db.query<{ operation: SignedOperation }>(
      "select operation from gateway_records where record_id = $1",
      [subject.id],
    );
    if (!r) throw new Error(`the outbox holds no record ${subject.id}`);
    return { kind: "record", operation: r.operation };
  }

  /** Stores a signed transaction as pending and its subject as "submitted", together. */
  async insertPending(
    subject: AnchoringSubject,
    signed: SignedTransaction,
    createdAt: number,
  ): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(
        `insert into gateway_txs (subject_kind, subject_id, nonce, to_address, data, gas_limit,
           max_fee_per_gas, max_priority_fee_per_gas, raw, tx_hash, status, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11)`,
        [
          subject.kind,
          subject.id,
          signed.nonce,
          signed.to,
          signed.data,
          signed.gasLimit.toString(),
          signed.maxFeePerGas.toString(),
          signed.maxPriorityFeePerGas.toString(),
          signed.raw,
          signed.txHash,
          createdAt,
        ],
      );
      await setSubjectStatus(tx, subject, "submitted");
    });
  }

  /** Notes that a node took (or already had) the transaction. */
  async markBroadcast(txHash: Hex, at: number): Promise<void> {
    await this.#db.query("update gateway_txs set broadcast_at = $2 where tx_hash = $1", [
      txHash,
      at,
    ]);
  }

  /** Every pending transaction, by nonce, then oldest first. */
  async pending(): Promise<PendingTransaction[]> {
    const rows = await this.#db.query<PendingRow>(
      `select id::text as id, subject_kind, subject_id, nonce::text as nonce, to_address, data,
         gas_limit, max_fee_per_gas, max_priority_fee_per_gas, raw, tx_hash,
         broadcast_at::float8 as broadcast_at
       from gateway_txs where status = 'pending' order by nonce, id`,
    );
    return rows.map((row) => ({
      id: row.id,
      subject: { kind: row.subject_kind, id: row.subject_id },
      nonce: Number(row.nonce),
      to: row.to_address,
      data: row.data,
      gasLimit: BigInt(row.gas_limit),
      maxFeePerGas: BigInt(row.max_fee_per_gas),
      maxPriorityFeePerGas: BigInt(row.max_priority_fee_per_gas),
      raw: row.raw,
      txHash: row.tx_hash,
      broadcastAt: row.broadcast_at,
    }));
  }

  /** The highest nonce a pending transaction holds, undefined when none is pending. */
  async highestPendingNonce(): Promise<number | undefined> {
    const [row] = await this.#db.query<{ n: string | null }>(
      "select max(nonce)::text as n from gateway_txs where status = 'pending'",
    );
    return row.n === null ? undefined : Number(row.n);
  }

  /**
   * Marks `subject` anchored, with the mined transaction (`minedTxId`, when the receipt is one of
   * ours) and its pending siblings replaced.
   */
  async markAnchored(
    subject: AnchoringSubject,
    anchoring: Anchoring,
    minedTxId?: string,
  ): Promise<void> {
    // One statement (atomic on its own): the mined transaction, its pending siblings replaced,
    // and the subject anchored. As a transaction it was five round trips on PostgreSQL, each
    // waiting behind the busy event loop. The statement's parts all see the rows as they were
    // before it, so the siblings' update leaves out the mined one by id.
    const subjectUpdate =
      subject.kind === "block"
        ? `update gateway_blocks set status = 'anchored', tx_hash = $3, block_number = $4,
             anchored_at = $7 where block_id = $2`
        : `update gateway_records set status = 'anchored', tx_hash = $3, block_number = $4,
             anchored_at = $7, failure = null where record_id = $2`;
    await this.#db.query(
      `with mined as (
         update gateway_txs set status = 'mined', block_number = $4, block_hash = $5
          where id = $6::bigint returning id
       ), replaced as (
         update gateway_txs set status = 'replaced'
          where subject_kind = $1 and subject_id = $2 and status = 'pending'
            and id is distinct from $6::bigint returning id
       )
       ${subjectUpdate}`,
      [
        subject.kind,
        subject.id,
        anchoring.txHash ?? null,
        anchoring.blockNumber ?? null,
        anchoring.blockHash ?? null,
        minedTxId ?? null,
        anchoring.anchoredAt,
      ],
    );
  }

  /** Marks `subject` failed for good, with the ledger's revert that no retry can cure. */
  async markFailed(subject: AnchoringSubject, revert: string): Promise<void> {
    await setSubjectStatus(this.#db, subject, "failed", { revert });
  }

  /** The subject's pending transactions are dead (`txStatus`); it goes back to the queue. */
  async reopen(subject: AnchoringSubject, txStatus: "failed" | "replaced"): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(
        `update gateway_txs set status = $3
         where subject_kind = $1 and subject_id = $2 and status = 'pending'`,
        [subject.kind, subject.id, txStatus],
      );
      await setSubjectStatus(tx, subject, queuedStatus(subject));
    });
  }

  /** The distinct blocks holding mined transactions of ours above `height`. */
  minedBlocksAbove(height: number): Promise<BlockRef[]> {
    return this.#db.query<BlockRef>(
      `select distinct block_number::float8 as number, block_hash as hash from gateway_txs
       where status = 'mined' and block_number > $1`,
      [height],
    );
  }

  /**
   * A page of the distinct blocks holding mined transactions of ours under `below`, newest first:
   * whole heights (up to 64), since two forks' receipts at one height must be read together.
   */
  minedBlocksBelow(below: number): Promise<BlockRef[]> {
    return this.#db.query<BlockRef>(
      `select distinct block_number::float8 as number, block_hash as hash from gateway_txs
       where status = 'mined' and block_number in (
         select distinct block_number from gateway_txs
         where status = 'mined' and block_number < $1 order by block_number desc limit 64)
       order by number desc`,
      [below],
    );
  }

  /**
   * Subjects anchored without a mined transaction of ours behind them (on the ledger's word)
   * whose block is above `height` or unknown.
   */
  anchoredWithoutReceipt(height: number): Promise<AnchoringSubject[]> {
    return this.#db.query<AnchoringSubject>(
      `select 'block' as kind, block_id as id from gateway_blocks b
        where status = 'anchored' and coalesce(block_number, $1 + 1) > $1
          and not exists (select 1 from gateway_txs t where t.tx_hash = b.tx_hash and t.status = 'mined')
       union all
       select 'record', record_id from gateway_records r
        where mode = 'relayed' and status = 'anchored' and coalesce(block_number, $1 + 1) > $1
          and not exists (select 1 from gateway_txs t where t.tx_hash = r.tx_hash and t.status = 'mined')`,
      [height],
    );
  }

  /**
   * In one database transaction: the mined transactions in `orphaned` blocks go back to pending
   * and their subjects to "submitted"; the `lost` subjects (anchored on the ledger's word, which
   * the chain no longer holds) go back to the queue. Returns the subjects of the transactions
   * moved, with the height of the block they left.
   */
  unwindOrphaned(
    orphaned: readonly BlockRef[],
    lost: readonly AnchoringSubject[],
  ): Promise<{ subject: AnchoringSubject; blockNumber: number }[]> {
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{
        subject_kind: "block" | "record";
        subject_id: Hex;
        block_number: number;
      }>(
        `update gateway_txs t set status = 'pending', block_number = null, block_hash = null
           from (select unnest($1::bigint[]) as n, unnest($2::text[]) as h) o
          where t.status = 'mined' and t.block_number = o.n and t.block_hash = o.h
          returning t.subject_kind, t.subject_id, o.n::float8 as block_number`,
        [orphaned.map((block) => block.number), orphaned.map((block) => block.hash)],
      );
      const moved = rows.map((row) => ({
        subject: { kind: row.subject_kind, id: row.subject_id },
        blockNumber: row.block_number,
      }));
      for (const { subject } of moved) await setSubjectStatus(tx, subject, "submitted");
      for (const subject of lost) await setSubjectStatus(tx, subject, queuedStatus(subject));
      return moved;
    });
  }
}

/** Where a subject waits for a first transaction: a block packed, a relayed record accepted. */
function queuedStatus(subject: AnchoringSubject): "packed" | "accepted" {
  return subject.kind === "block" ? "packed" : "accepted";
}

/**
 * Moves a block (so its records) or a relayed record to `status`, in the caller's transaction,
 * clearing any anchoring it had; a record keeps `failure` (its revert) only when it failed.
 */
async function setSubjectStatus(
  tx: Queryable,
  subject: AnchoringSubject,
  status: OpenStatus,
  failure?: Record<string, unknown>,
): Promise<void> {
  if (subject.kind === "block") {
    await tx.query(
      `update gateway_blocks set status = $2, tx_hash = null, block_number = null,
         anchored_at = null
       where block_id = $1`,
      [subject.id, status],
    );
    // Its records follow through `gateway_record_states`: rewriting thousands of record rows per
    // block was most of the outbox's write load.
    return;
  }
  await tx.query(
    `update gateway_records set status = $2, tx_hash = null, block_number = null,
       anchored_at = null, failure = $3::jsonb
     where record_id = $1`,
    [subject.id, status, failure ? JSON.stringify(failure) : null],
  );
}
