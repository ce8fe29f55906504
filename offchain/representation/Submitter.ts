import { keccak256, type Provider, type Signer } from "ethers";
import type { Hex } from "viem";

import type { SignedOperation } from "../sdk/types.js";
import type { Database, Queryable } from "../storage/Database.js";
import type { DataLedger } from "../../types/ethers-contracts/index.js";

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
// ledger's checks. Everything else (pause, missing role, RPC trouble) is retried with backoff.
const PERMANENT_REVERTS = new Set([
  "DataRegistryZeroDataHash",
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
 *   the work is already on-chain) is confirmed with getDataBlock / getRecord and marked anchored;
 * - records are marked anchored only from a receipt (or that on-chain confirmation), and go back
 *   to "submitted" when the block holding their transaction disappears.
 * Every chain or database failure simply throws: the loop retries with backoff and the database
 * says where to resume.
 *
 * @example
 * const submitter = new Submitter({ db, ledger: ledger.connect(signer), signer, provider });
 * await submitter.tick(); // call from a loop
 */
export class Submitter {
  readonly #o: Required<Omit<SubmitterOptions, "onEvent">> & Pick<SubmitterOptions, "onEvent">;
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
         select 'block' as kind, root as id, created_at as t from gateway_blocks where status = 'packed'
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
        count: number;
        first_sampled_at: number;
        last_sampled_at: number;
        uri: string;
      }>(
        `select count, first_sampled_at::float8 as first_sampled_at,
           last_sampled_at::float8 as last_sampled_at, uri
         from gateway_blocks where root = $1`,
        [subject.id],
      );
      const tx = await ledger.submitDataBlock.populateTransaction(
        subject.id,
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
    const [latest, receiptsOf] = await Promise.all([
      provider.getBlockNumber(),
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
    let spent: number | undefined;
    for (const [g, group] of [...groups.values()].entries()) {
      const subject: Subject = { kind: group[0].subject_kind, id: group[0].subject_id };
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
      spent ??= await provider.getTransactionCount(await this.#from(), "latest");
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

  // --- reorgs ---------------------------------------------------------------------------------

  async #checkReorgs(): Promise<void> {
    const { db, provider } = this.#o;
    const latest = await provider.getBlockNumber();
    const rows = await db.query<{
      id: string;
      subject_kind: "block" | "record";
      subject_id: Hex;
      block_number: number;
      block_hash: string;
    }>(
      `select id::text as id, subject_kind, subject_id, block_number::float8 as block_number, block_hash
       from gateway_txs where status = 'mined' and block_number > $1`,
      [latest - this.#o.reorgDepth],
    );
    // Read together (one JSON-RPC batch): one round trip per recent transaction, in sequence,
    // delayed every confirmation behind it while the gateway was busy.
    const blocks = await Promise.all(
      rows.map((row) => (row.block_number <= latest ? provider.getBlock(row.block_number) : null)),
    );
    for (const [i, row] of rows.entries()) {
      const block = blocks[i];
      if (block && block.hash === row.block_hash) continue;
      const subject: Subject = { kind: row.subject_kind, id: row.subject_id };
      this.#o.onEvent?.("reorged", { ...subject, blockNumber: row.block_number });
      await db.transaction(async (tx) => {
        await tx.query(
          "update gateway_txs set status = 'pending', block_number = null, block_hash = null where id = $1",
          [row.id],
        );
        await setSubjectStatus(tx, subject, "submitted");
      });
    }
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
             anchored_at = $7 where root = $2`
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

  async #nextNonce(): Promise<number> {
    const chain = await this.#o.provider.getTransactionCount(await this.#from(), "pending");
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
       where root = $1`,
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
