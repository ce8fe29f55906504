import { keccak256, type Provider, type Signer } from "ethers";
import type { Hex } from "viem";

import type { SignedOperation } from "../../sdk/wire.js";
import type { Database, Queryable } from "../../storage/Database.js";
import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import { blockHashes, ChainHead, findOrphanedBlocks, type BlockRef } from "./ChainHead.js";

export interface SubmitterOptions {
  db: Database;
  /** The ledger bound to the gateway's signer (GATEWAY_ROLE), P2R. */
  ledger: DataLedger;
  /** Must sign locally (`signTransaction`): the raw transaction is stored before it is sent. */
  signer: Signer;
  provider: Provider;
  /** Blocks a receipt must have under it before records count as anchored (1 = in a block). */
  confirmations?: number;
  /** A transaction still pending this long is replaced with higher fees at the same nonce. */
  replaceAfterMs?: number;
  /** Fee increase of a replacement, percent (nodes require at least 10). */
  feeBumpPercent?: number;
  /** Anchored transactions this many blocks deep are still checked for reorgs. */
  reorgDepth?: number;
  /** First block to search for anchoring events of work found already on-chain. */
  fromBlock?: number;
  /** Most new transactions sent per tick. */
  maxPerTick?: number;
  onEvent?: (event: string, details: Record<string, unknown>) => void;
}

/** A block by its ledger key `dataBlockId(gateway, root)`, a relayed record by its record id. */
type Subject = { kind: "block" | "record"; id: Hex };

type TxRow = {
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

interface Anchoring {
  txHash?: string;
  blockNumber?: number;
  blockHash?: string;
  anchoredAt: number;
}

// Reverts that no retry can cure: the relayed record's signature or source no longer passes the
// ledger's checks (DataRegistryInvalidSignature also when it was made in an epoch the source has
// since left: a suspension, reactivation or key rotation in between), or (DataRegistryDataHashHeld) another active record holds the data hash of a
// unique-hash format; freeing it takes a revocation or update nobody here can make. Everything
// else (pause, missing role, RPC trouble) is retried with backoff.
const PERMANENT_REVERTS = new Set([
  "DataRegistryZeroDataHash",
  "DataRegistryDataHashHeld",
  "DataRegistryExpiredSignature",
  "DataRegistryInvalidSignature",
  "DataRegistryInvalidDataBlock",
  "SourceRegistryInactiveSource",
  "SourceRegistryFormatNotAllowed",
  "FormatRegistryUnknownFormat",
  "FormatRegistryDeprecatedFormat",
]);

const TX_COLUMNS = `id::text as id, subject_kind, subject_id, nonce::text as nonce, to_address, data,
  gas_limit, max_fee_per_gas, max_priority_fee_per_gas, raw, tx_hash,
  broadcast_at::float8 as broadcast_at`;

/**
 * Sends packed data blocks (`submitDataBlock`) and relayed records (`submitRecordBySig`) to the
 * ledger through the gateway's signer, P2R, so that every accepted record is anchored exactly
 * once across crashes, dropped transactions, RPC outages and reorgs:
 * - the signed raw transaction (nonce, fees, hash) is committed before it is broadcast, so a
 *   restart re-broadcasts the same nonce instead of sending a second transaction;
 * - a transaction the node forgot is re-broadcast, one pending too long is replaced with higher
 *   fees at the same nonce;
 * - a revert with DataRegistryDuplicateDataBlock / DataRegistryDuplicateRecord (or any sign that
 *   the work is already on-chain) is confirmed with getDataBlock / getRecord (by block id,
 *   `dataBlockId(gateway, root)`, so only this gateway's own block confirms, never a rival's
 *   copy of its root; by record id, which names the source, data hash and sampling time: only
 *   this very record confirms) and marked anchored;
 * - records are marked anchored only from a receipt (or that on-chain confirmation), and go back
 *   to "submitted" when the block holding their transaction disappears, however deep: a chain
 *   that came back behind what the gateway saw (a node restarted from an older state) is found
 *   by the head it remembers, or on a first tick by its stored transactions' blocks;
 * - nonces never leave a gap: a pending transaction above a nonce that none of ours holds (the
 *   chain rewound under it) could never be mined, so its subject goes back to the queue.
 * Every chain or database failure simply throws: the loop retries with backoff and the database
 * says where to resume.
 *
 * @example
 * const submitter = new Submitter({ db, ledger: ledger.connect(signer), signer, provider });
 * await submitter.tick(); // call from a loop
 */
export class Submitter {
  readonly #o: Required<Omit<SubmitterOptions, "onEvent">> & Pick<SubmitterOptions, "onEvent">;
  readonly #head = new ChainHead();
  #address?: string;
  #chainId?: bigint;

  constructor(options: SubmitterOptions) {
    this.#o = {
      confirmations: 1,
      replaceAfterMs: 30_000,
      feeBumpPercent: 25,
      reorgDepth: 12,
      fromBlock: 0,
      maxPerTick: 16,
      ...options,
    };
  }

  /**
   * One pass: reorg check, confirmations and replacements, then new transactions. Returns how
   * many new transactions it broadcast (a loop may look for their receipts sooner).
   */
  async tick(): Promise<number> {
    await this.#checkReorgs();
    await this.#confirmPending();
    return this.#submitDue();
  }

  // --- new work -------------------------------------------------------------------------------

  async #submitDue(): Promise<number> {
    const { db, provider } = this.#o;
    const due = await db.query<{ kind: "block" | "record"; id: Hex }>(
      `select kind, id from (
         select 'block' as kind, block_id as id, created_at as t from gateway_blocks where status = 'packed'
         union all
         select 'record', record_id, accepted_at from gateway_records
         where status = 'accepted' and mode = 'relayed'
       ) due order by t, id limit $1`,
      [this.#o.maxPerTick],
    );
    const failures: unknown[] = [];
    let sent = 0;
    for (const subject of due) {
      try {
        const call = await this.#populate(subject);
        let gas: bigint;
        try {
          gas = await provider.estimateGas({ ...call, from: await this.#from() });
        } catch (error) {
          if (!isCallException(error)) throw error;
          await this.#settleRevert(subject, error);
          continue;
        }
        const nonce = await this.#nextNonce();
        const fees = await this.#networkFees();
        await this.#send(subject, { ...call, gasLimit: (gas * 12n) / 10n, nonce, ...fees });
        sent++;
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
    return sent;
  }

  async #populate(subject: Subject): Promise<{ to: string; data: string }> {
    const { db, ledger } = this.#o;
    if (subject.kind === "block") {
      const [b] = await db.query<{
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
      const tx = await ledger.submitDataBlock.populateTransaction(
        b.root,
        b.count,
        b.first_sampled_at,
        b.last_sampled_at,
        b.uri,
      );
      return { to: tx.to, data: tx.data };
    }
    const [r] = await db.query<{ operation: SignedOperation }>(
      "select operation from gateway_records where record_id = $1",
      [subject.id],
    );
    const op = r.operation;
    const tx = await ledger.submitRecordBySig.populateTransaction(
      op.source,
      op.record,
      op.deadline,
      op.signature,
    );
    return { to: tx.to, data: tx.data };
  }

  /** Signs, commits, then broadcasts: the order that makes a crash at any point recoverable. */
  async #send(
    subject: Subject,
    request: {
      to: string;
      data: string;
      gasLimit: bigint;
      nonce: number;
      maxFeePerGas: bigint;
      maxPriorityFeePerGas: bigint;
    },
  ): Promise<void> {
    const raw = await this.#o.signer.signTransaction({
      ...request,
      chainId: await this.#chain(),
      type: 2,
    });
    const txHash = keccak256(raw) as Hex;
    const now = Date.now();
    await this.#o.db.transaction(async (tx) => {
      await tx.query(
        `insert into gateway_txs (subject_kind, subject_id, nonce, to_address, data, gas_limit,
           max_fee_per_gas, max_priority_fee_per_gas, raw, tx_hash, status, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11)`,
        [
          subject.kind,
          subject.id,
          request.nonce,
          request.to,
          request.data,
          request.gasLimit.toString(),
          request.maxFeePerGas.toString(),
          request.maxPriorityFeePerGas.toString(),
          raw,
          txHash,
          now,
        ],
      );
      await setSubjectStatus(tx, subject, "submitted");
    });
    this.#o.onEvent?.("submitted", { ...subject, txHash, nonce: request.nonce });
    await this.#broadcast(txHash, raw);
  }

  /** Broadcasts; "underpriced" when the node wants higher fees for this nonce. */
  async #broadcast(txHash: Hex, raw: string): Promise<"sent" | "underpriced"> {
    try {
      await this.#o.provider.broadcastTransaction(raw);
    } catch (error) {
      const message = errorText(error);
      if (/underpriced|fee too low|replacement/i.test(message)) return "underpriced";
      // The node has it already, or its nonce is spent (mined, maybe by this very transaction):
      // the confirmation pass finds out which.
      if (
        !/already known|known transaction|already imported|nonce too low|nonce.*(lower|used)/i.test(
          message,
        )
      ) {
        throw error;
      }
    }
    await this.#o.db.query("update gateway_txs set broadcast_at = $2 where tx_hash = $1", [
      txHash,
      Date.now(),
    ]);
    return "sent";
  }

  // --- pending transactions -------------------------------------------------------------------

  async #confirmPending(): Promise<void> {
    const { db, provider } = this.#o;
    const rows = await db.query<TxRow>(
      `select ${TX_COLUMNS} from gateway_txs where status = 'pending' order by nonce, id`,
    );
    const groups = new Map<string, TxRow[]>();
    for (const row of rows) {
      const key = `${row.subject_kind}:${row.subject_id}:${row.nonce}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    if (groups.size === 0) return;
    // The head, every receipt and then every mined block's timestamp, each in one batch: a round
    // trip per transaction, in sequence, queued behind the busy event loop each time, added
    // hundreds of milliseconds to anchoring.
    type Receipt = NonNullable<Awaited<ReturnType<Provider["getTransactionReceipt"]>>>;
    const candidatesOf = [...groups.values()].map((group) => [...group].reverse());
    const from = await this.#from();
    const [latest, spent, receiptsOf] = await Promise.all([
      provider.getBlockNumber(),
      provider.getTransactionCount(from, "latest"),
      Promise.all(
        candidatesOf.map((candidates) =>
          Promise.all(candidates.map((row) => provider.getTransactionReceipt(row.tx_hash))),
        ),
      ),
    ]);
    const minedOf = receiptsOf.map((receipts, g) => {
      const found = receipts.findIndex((receipt) => receipt !== null);
      return found >= 0
        ? { row: candidatesOf[g][found], receipt: receipts[found] as Receipt }
        : undefined;
    });
    const blockNumbers = [
      ...new Set(
        minedOf.flatMap((m) =>
          m && m.receipt.status === 1 && latest - m.receipt.blockNumber + 1 >= this.#o.confirmations
            ? [m.receipt.blockNumber]
            : [],
        ),
      ),
    ];
    const blocks = new Map(
      (await Promise.all(blockNumbers.map((n) => provider.getBlock(n)))).map((block, i) => [
        blockNumbers[i],
        block,
      ]),
    );
    const stranded = strandedAbove(
      [...groups.values()].map((group, g) => ({
        nonce: Number(group[0].nonce),
        mined: !!minedOf[g],
      })),
      spent,
    );
    if (stranded !== undefined) {
      this.#o.onEvent?.("nonce-gap", {
        nonce: stranded,
        chainNonce: spent,
        subjects: [...groups.values()].filter((group) => Number(group[0].nonce) > stranded).length,
      });
    }
    for (const [g, group] of [...groups.values()].entries()) {
      const subject: Subject = { kind: group[0].subject_kind, id: group[0].subject_id };
      if (stranded !== undefined && Number(group[0].nonce) > stranded) {
        // Waiting behind a nonce nothing of ours holds: it would never be mined. A fresh
        // transaction, at the chain's next nonce, takes over.
        await this.#reopen(subject, "replaced");
        continue;
      }
      const mined = minedOf[g];
      if (mined) {
        const { row, receipt } = mined;
        if (latest - receipt.blockNumber + 1 < this.#o.confirmations) continue;
        if (receipt.status === 1) {
          const block = blocks.get(receipt.blockNumber);
          if (!block) continue;
          await this.#markAnchored(
            subject,
            {
              txHash: receipt.hash,
              blockNumber: receipt.blockNumber,
              blockHash: receipt.blockHash,
              anchoredAt: block.timestamp,
            },
            row.id,
          );
        } else {
          // Reverted on-chain. Already anchored by someone (a transaction we lost track of)?
          const onChain = await this.#findOnChain(subject);
          if (onChain) await this.#markAnchored(subject, onChain);
          else await this.#reopen(subject, "failed");
        }
        continue;
      }
      if (spent > Number(group[0].nonce)) {
        // The nonce went to a transaction that is not one of ours for this subject.
        const onChain = await this.#findOnChain(subject);
        if (onChain) await this.#markAnchored(subject, onChain);
        else await this.#reopen(subject, "replaced");
        continue;
      }
      const newest = group[group.length - 1];
      const known = await provider.getTransaction(newest.tx_hash);
      if (!known) {
        // Dropped from the mempool, or the crash came between commit and broadcast.
        this.#o.onEvent?.("rebroadcast", { ...subject, txHash: newest.tx_hash });
        if ((await this.#broadcast(newest.tx_hash, newest.raw)) === "underpriced") {
          await this.#replace(subject, newest);
        }
      } else if (Date.now() - (newest.broadcast_at ?? 0) >= this.#o.replaceAfterMs) {
        await this.#replace(subject, newest);
      }
    }
  }

  /** Same nonce, same call, higher fees: whichever of the two is mined, the work is done once. */
  async #replace(subject: Subject, previous: TxRow): Promise<void> {
    const bump = (value: string) => (BigInt(value) * BigInt(100 + this.#o.feeBumpPercent)) / 100n;
    const network = await this.#networkFees();
    const maxPriorityFeePerGas = max(
      bump(previous.max_priority_fee_per_gas),
      network.maxPriorityFeePerGas,
    );
    const maxFeePerGas = max(
      max(bump(previous.max_fee_per_gas), network.maxFeePerGas),
      maxPriorityFeePerGas,
    );
    this.#o.onEvent?.("replaced", { ...subject, previous: previous.tx_hash, maxFeePerGas });
    await this.#send(subject, {
      to: previous.to_address,
      data: previous.data,
      gasLimit: BigInt(previous.gas_limit),
      nonce: Number(previous.nonce),
      maxFeePerGas,
      maxPriorityFeePerGas,
    });
  }

  // --- reorgs and rewinds ---------------------------------------------------------------------

  /**
   * Finds mined transactions whose block left the canonical chain, however deep, and puts them
   * back to pending (`#confirmPending` then rebroadcasts them in nonce order, or settles them
   * when their nonce went elsewhere), their subjects back to "submitted". The stored blocks are
   * walked newest first (`findOrphanedBlocks`) on any of three signs: the head remembered from the
   * last tick is gone (a lower head, or another block at its height: the node came back from an
   * older state); a transaction of the last `reorgDepth` blocks lost its block (a reorg mixing
   * forks within one tick); or nothing is remembered (a first tick: the chain may have rewound
   * while the gateway was down). Otherwise a tick costs the head and the recent blocks' hashes.
   */
  async #checkReorgs(): Promise<void> {
    const { db, provider } = this.#o;
    const latest = await provider.getBlock("latest");
    if (!latest?.hash) throw new Error("the node returned no latest block");
    const head = { number: latest.number, hash: latest.hash };
    const hashAt = blockHashes(provider, head, latest.parentHash);
    const recent = await db.query<BlockRef>(
      `select distinct block_number::float8 as number, block_hash as hash from gateway_txs
       where status = 'mined' and block_number > $1`,
      [head.number - this.#o.reorgDepth],
    );
    // One JSON-RPC batch: the remembered head's block is usually one of the recent ones, or the
    // head's parent, and then costs nothing.
    const [rewound, recentHashes] = await Promise.all([
      this.#head.rewound(head, hashAt),
      Promise.all(recent.map((block) => hashAt(block.number))),
    ]);
    const reorged = recent.some((block, i) => recentHashes[i] !== block.hash);
    if (rewound === false && !reorged) {
      this.#head.reset(head);
      return;
    }
    const from = this.#head.seen?.number;
    const { orphaned, intact } = await findOrphanedBlocks({
      hashAt,
      // Whole heights per page: two forks' receipts at one height must be read together.
      page: (below) =>
        db.query<BlockRef>(
          `select distinct block_number::float8 as number, block_hash as hash from gateway_txs
           where status = 'mined' and block_number in (
             select distinct block_number from gateway_txs
             where status = 'mined' and block_number < $1 order by block_number desc limit 64)
           order by number desc`,
          [below],
        ),
    });
    const lost = await this.#lostFindings(intact ?? -1);
    const moved = await db.transaction(async (tx) => {
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
      for (const row of rows) {
        await setSubjectStatus(tx, { kind: row.subject_kind, id: row.subject_id }, "submitted");
      }
      for (const subject of lost) {
        await setSubjectStatus(tx, subject, subject.kind === "block" ? "packed" : "accepted");
      }
      return rows;
    });
    for (const row of moved) {
      this.#o.onEvent?.("reorged", {
        kind: row.subject_kind,
        id: row.subject_id,
        blockNumber: row.block_number,
      });
    }
    for (const subject of lost) this.#o.onEvent?.("reorged", { ...subject });
    if (rewound || moved.length > 0 || lost.length > 0) {
      this.#o.onEvent?.("rewound", {
        from: from ?? orphaned[0]?.number ?? head.number,
        to: head.number,
        intactBlock: intact ?? null,
        orphanedTransactions: moved.length,
        lostAnchorings: lost.length,
      });
    }
    this.#head.reset(head);
  }

  /**
   * Subjects marked anchored on the ledger's word (`#findOnChain`: someone else's transaction, or
   * one of ours we lost track of) rather than by a receipt of ours have no stored block hash to
   * compare. Those above the newest intact block of ours are looked up again, and the ones the
   * chain no longer holds go back to the queue.
   */
  async #lostFindings(intact: number): Promise<Subject[]> {
    const { db, ledger } = this.#o;
    const found = await db.query<Subject>(
      `select 'block' as kind, block_id as id from gateway_blocks b
        where status = 'anchored' and coalesce(block_number, $1 + 1) > $1
          and not exists (select 1 from gateway_txs t where t.tx_hash = b.tx_hash and t.status = 'mined')
       union all
       select 'record', record_id from gateway_records r
        where mode = 'relayed' and status = 'anchored' and coalesce(block_number, $1 + 1) > $1
          and not exists (select 1 from gateway_txs t where t.tx_hash = r.tx_hash and t.status = 'mined')`,
      [intact],
    );
    const held = await Promise.all(
      found.map(async (subject) =>
        subject.kind === "block"
          ? Number((await ledger.getDataBlock(subject.id)).status) !== 0
          : Number((await ledger.getRecord(subject.id)).status) !== 0,
      ),
    );
    return found.filter((_, i) => !held[i]);
  }

  // --- settling -------------------------------------------------------------------------------

  async #settleRevert(subject: Subject, error: unknown): Promise<void> {
    const onChain = await this.#findOnChain(subject);
    if (onChain) {
      this.#o.onEvent?.("already-anchored", { ...subject, revert: this.#revertName(error) });
      await this.#markAnchored(subject, onChain);
      return;
    }
    const reason = this.#revertName(error);
    if (reason && PERMANENT_REVERTS.has(reason)) {
      await this.#o.db.transaction((tx) =>
        setSubjectStatus(tx, subject, "failed", { revert: reason }),
      );
      this.#o.onEvent?.("failed", { ...subject, revert: reason });
      return;
    }
    throw error;
  }

  /** What the ledger holds for a subject, if anything: the duplicate-revert confirmation. */
  async #findOnChain(subject: Subject): Promise<Anchoring | undefined> {
    const { ledger, fromBlock } = this.#o;
    let anchoredAt: number;
    let logs;
    if (subject.kind === "block") {
      const block = await ledger.getDataBlock(subject.id);
      if (Number(block.status) === 0) return undefined;
      anchoredAt = Number(block.anchoredAt);
      logs = await ledger.queryFilter(ledger.filters.DataBlockAnchored(subject.id), fromBlock);
    } else {
      const record = await ledger.getRecord(subject.id);
      if (Number(record.status) === 0) return undefined;
      anchoredAt = Number(record.recordedAt);
      logs = await ledger.queryFilter(ledger.filters.RecordAnchored(subject.id), fromBlock);
    }
    const log = logs[0];
    return log
      ? {
          anchoredAt,
          txHash: log.transactionHash,
          blockNumber: log.blockNumber,
          blockHash: log.blockHash,
        }
      : { anchoredAt };
  }

  async #markAnchored(subject: Subject, anchoring: Anchoring, minedTxId?: string): Promise<void> {
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
    await this.#o.db.query(
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
    if (anchoring.blockNumber !== undefined && anchoring.blockHash) {
      this.#head.observe({ number: anchoring.blockNumber, hash: anchoring.blockHash });
    }
    this.#o.onEvent?.("anchored", { ...subject, ...anchoring });
  }

  /** The subject's transactions are dead; it goes back to the queue for a fresh one. */
  async #reopen(subject: Subject, txStatus: "failed" | "replaced"): Promise<void> {
    await this.#o.db.transaction(async (tx) => {
      await tx.query(
        `update gateway_txs set status = $3
         where subject_kind = $1 and subject_id = $2 and status = 'pending'`,
        [subject.kind, subject.id, txStatus],
      );
      await setSubjectStatus(tx, subject, subject.kind === "block" ? "packed" : "accepted");
    });
  }

  // --- chain helpers --------------------------------------------------------------------------

  /**
   * The chain's mined count, or past our own pending transactions. Not the node's "pending"
   * count: a node's pool can hold transactions the database has given up (a rewind, a gap) and
   * forget them later (eviction, restart), and a nonce handed out above them would then wait
   * forever. A nonce the pool still holds is instead met as "underpriced" and replaced.
   */
  async #nextNonce(): Promise<number> {
    const chain = await this.#o.provider.getTransactionCount(await this.#from(), "latest");
    const [row] = await this.#o.db.query<{ n: string | null }>(
      "select max(nonce)::text as n from gateway_txs where status = 'pending'",
    );
    return Math.max(chain, row.n === null ? 0 : Number(row.n) + 1);
  }

  async #networkFees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const fees = await this.#o.provider.getFeeData();
    const maxFeePerGas = fees.maxFeePerGas ?? fees.gasPrice ?? 0n;
    const maxPriorityFeePerGas = fees.maxPriorityFeePerGas ?? fees.gasPrice ?? 0n;
    return { maxFeePerGas: max(maxFeePerGas, maxPriorityFeePerGas), maxPriorityFeePerGas };
  }

  async #from(): Promise<string> {
    this.#address ??= await this.#o.signer.getAddress();
    return this.#address;
  }

  async #chain(): Promise<bigint> {
    this.#chainId ??= (await this.#o.provider.getNetwork()).chainId;
    return this.#chainId;
  }

  #revertName(error: unknown): string | undefined {
    const e = error as {
      revert?: { name?: string };
      data?: string;
      info?: { error?: { data?: string } };
    };
    if (e.revert?.name) return e.revert.name;
    const data = e.data ?? e.info?.error?.data;
    if (typeof data !== "string" || data.length < 10) return undefined;
    try {
      return this.#o.ledger.interface.parseError(data)?.name;
    } catch {
      return undefined;
    }
  }
}

/** Moves a block (so its records) or a relayed record to `status`, in the caller's transaction. */
async function setSubjectStatus(
  tx: Queryable,
  subject: Subject,
  status: "packed" | "accepted" | "submitted" | "anchored" | "failed",
  failure?: Record<string, unknown>,
  anchoring?: Anchoring,
): Promise<void> {
  const values = [
    subject.id,
    status,
    anchoring?.txHash ?? null,
    anchoring?.blockNumber ?? null,
    anchoring?.anchoredAt ?? null,
  ];
  if (subject.kind === "block") {
    await tx.query(
      `update gateway_blocks set status = $2, tx_hash = $3, block_number = $4, anchored_at = $5
       where block_id = $1`,
      values,
    );
    // Its records follow through `gateway_record_states`: rewriting thousands of record rows per
    // block was most of the outbox's write load.
    return;
  }
  await tx.query(
    `update gateway_records set status = $2, tx_hash = $3, block_number = $4, anchored_at = $5,
       failure = $6::jsonb
     where record_id = $1`,
    [...values, failure ? JSON.stringify(failure) : null],
  );
}

/**
 * The first nonce at or above the chain's (`spent`) that none of our pending transactions holds,
 * when one of them waits above it: everything above it is stranded, since nonces are mined in
 * order. Undefined when the pending nonces run unbroken from the chain's, or when a transaction
 * above `spent` already has a receipt (the reads raced a new block: the next tick decides).
 */
function strandedAbove(
  groups: { nonce: number; mined: boolean }[],
  spent: number,
): number | undefined {
  const open = groups.filter((group) => group.nonce >= spent);
  if (open.some((group) => group.mined)) return undefined;
  const nonces = [...new Set(open.map((group) => group.nonce))].sort((a, b) => a - b);
  let expected = spent;
  for (const nonce of nonces) {
    if (nonce !== expected) return expected;
    expected++;
  }
  return undefined;
}

function isCallException(error: unknown): boolean {
  return (error as { code?: string }).code === "CALL_EXCEPTION";
}

function errorText(error: unknown): string {
  const e = error as {
    message?: string;
    shortMessage?: string;
    info?: { error?: { message?: string } };
  };
  return [e.shortMessage, e.message, e.info?.error?.message].filter(Boolean).join(" ");
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
