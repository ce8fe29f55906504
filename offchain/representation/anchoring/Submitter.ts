import { keccak256, type Provider, type Signer } from "ethers";
import type { Hex } from "viem";

import type { Database } from "../../storage/Database.js";
import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import {
  TransactionStore,
  type Anchoring,
  type AnchoringSubject,
  type PendingTransaction,
} from "../outbox/TransactionStore.js";
import { ChainHead } from "./ChainHead.js";
import { checkReorgs } from "./checkReorgs.js";
import { networkFees, replacementFees, type Fees } from "./feePolicy.js";
import { findOnLedger } from "./findOnLedger.js";
import { followReceipts } from "./followReceipts.js";
import { broadcastRefusal, ledgerRevert, type LedgerRevert } from "./nodeErrors.js";
import { nextNonce, strandedAbove } from "./noncePolicy.js";

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

/** An unsigned transaction of the gateway's account. */
type Request = Fees & { to: string; data: string; gasLimit: bigint; nonce: number };

/**
 * Sends packed data blocks (`submitDataBlock`) and relayed records (`submitRecordBySig`) to the
 * ledger through the gateway's signer, P2R, so that every accepted record is anchored exactly
 * once across crashes, dropped transactions, RPC outages and reorgs:
 * - the signed raw transaction (nonce, fees, hash) is committed before it is broadcast, so a
 *   restart re-broadcasts the same nonce instead of sending a second transaction;
 * - a transaction the node forgot is re-broadcast, one pending too long is replaced with higher
 *   fees at the same nonce (`feePolicy`);
 * - a revert with DataRegistryDuplicateDataBlock / DataRegistryDuplicateRecord (or any sign that
 *   the work is already on-chain) is confirmed with the ledger's own state (`findOnLedger`) and
 *   marked anchored; a revert no retry can cure fails the subject (`nodeErrors`);
 * - records are marked anchored only from a receipt (`followReceipts`) or that on-chain
 *   confirmation, and go back to "submitted" when the block holding their transaction
 *   disappears, however deep (`checkReorgs`);
 * - nonces never leave a gap: a pending transaction above a nonce that none of ours holds (the
 *   chain rewound under it) could never be mined, so its subject goes back to the queue
 *   (`noncePolicy`).
 * The outbox's rows (`TransactionStore`) are its only durable state: every chain or database
 * failure simply throws, the loop retries with backoff and the database says where to resume.
 *
 * @example
 * const submitter = new Submitter({ db, ledger: ledger.connect(signer), signer, provider });
 * await submitter.tick(); // call from a loop
 */
export class Submitter {
  readonly #o: Required<Omit<SubmitterOptions, "onEvent">> & Pick<SubmitterOptions, "onEvent">;
  readonly #store: TransactionStore;
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
    this.#store = new TransactionStore(options.db);
  }

  /**
   * One pass: reorg check, confirmations and replacements, then new transactions. Returns how
   * many new transactions it broadcast (a loop may look for their receipts sooner).
   */
  async tick(): Promise<number> {
    const { provider, ledger, reorgDepth, onEvent } = this.#o;
    await checkReorgs({
      provider,
      store: this.#store,
      ledger,
      head: this.#head,
      reorgDepth,
      onEvent,
    });
    await this.#confirmPending();
    return this.#submitDue();
  }

  // --- new work -------------------------------------------------------------------------------

  async #submitDue(): Promise<number> {
    const { provider } = this.#o;
    const failures: unknown[] = [];
    let sent = 0;
    for (const subject of await this.#store.due(this.#o.maxPerTick)) {
      try {
        const call = await this.#call(subject);
        let gas: bigint;
        try {
          gas = await provider.estimateGas({ ...call, from: await this.#from() });
        } catch (error) {
          const revert = ledgerRevert(error, this.#o.ledger.interface);
          if (!revert) throw error;
          await this.#settleRevert(subject, error, revert);
          continue;
        }
        const nonce = nextNonce(
          await provider.getTransactionCount(await this.#from(), "latest"),
          await this.#store.highestPendingNonce(),
        );
        const fees = networkFees(await provider.getFeeData());
        await this.#send(subject, { ...call, gasLimit: (gas * 12n) / 10n, nonce, ...fees });
        sent++;
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
    return sent;
  }

  /** The ledger call that anchors `subject`. */
  async #call(subject: AnchoringSubject): Promise<{ to: string; data: string }> {
    const { ledger } = this.#o;
    const content = await this.#store.content(subject);
    const tx =
      content.kind === "block"
        ? await ledger.submitDataBlock.populateTransaction(
            content.root,
            content.count,
            content.firstSampledAt,
            content.lastSampledAt,
            content.uri,
          )
        : await ledger.submitRecordBySig.populateTransaction(
            content.operation.source,
            content.operation.record,
            content.operation.deadline,
            content.operation.signature,
          );
    return { to: tx.to, data: tx.data };
  }

  /** Signs, commits, then broadcasts: the order that makes a crash at any point recoverable. */
  async #send(subject: AnchoringSubject, request: Request): Promise<void> {
    const raw = await this.#o.signer.signTransaction({
      ...request,
      chainId: await this.#chain(),
      type: 2,
    });
    const txHash = keccak256(raw) as Hex;
    await this.#store.insertPending(subject, { ...request, raw, txHash }, Date.now());
    this.#o.onEvent?.("submitted", { ...subject, txHash, nonce: request.nonce });
    await this.#broadcast(txHash, raw);
  }

  /** Broadcasts; "underpriced" when the node wants higher fees for this nonce. */
  async #broadcast(txHash: Hex, raw: string): Promise<"sent" | "underpriced"> {
    try {
      await this.#o.provider.broadcastTransaction(raw);
    } catch (error) {
      const refusal = broadcastRefusal(error);
      if (refusal === "underpriced") return "underpriced";
      // "known": the node has it already, or its nonce is spent (mined, maybe by this very
      // transaction): the confirmation pass finds out which.
      if (refusal !== "known") throw error;
    }
    await this.#store.markBroadcast(txHash, Date.now());
    return "sent";
  }

  // --- pending transactions -------------------------------------------------------------------

  async #confirmPending(): Promise<void> {
    const { provider, confirmations } = this.#o;
    const pending = await this.#store.pending();
    if (pending.length === 0) return;
    const { spent, nonces } = await followReceipts({
      provider,
      from: await this.#from(),
      pending,
      confirmations,
    });
    const stranded = strandedAbove(
      nonces.map((n) => ({ nonce: n.nonce, mined: !!n.mined })),
      spent,
    );
    if (stranded !== undefined) {
      this.#o.onEvent?.("nonce-gap", {
        nonce: stranded,
        chainNonce: spent,
        subjects: nonces.filter((n) => n.nonce > stranded).length,
      });
    }
    for (const { subject, nonce, transactions, mined } of nonces) {
      if (stranded !== undefined && nonce > stranded) {
        // Waiting behind a nonce nothing of ours holds: it would never be mined. A fresh
        // transaction, at the chain's next nonce, takes over.
        await this.#store.reopen(subject, "replaced");
        continue;
      }
      if (mined) {
        const { transaction, receipt, confirmed, blockTimestamp } = mined;
        if (!confirmed) continue;
        if (receipt.status === 1) {
          if (blockTimestamp === undefined) continue;
          await this.#markAnchored(
            subject,
            {
              txHash: receipt.hash,
              blockNumber: receipt.blockNumber,
              blockHash: receipt.blockHash,
              anchoredAt: blockTimestamp,
            },
            transaction.id,
          );
        } else {
          // Reverted on-chain. Already anchored by someone (a transaction we lost track of)?
          await this.#settleElsewhere(subject, "failed");
        }
        continue;
      }
      if (spent > nonce) {
        // The nonce went to a transaction that is not one of ours for this subject.
        await this.#settleElsewhere(subject, "replaced");
        continue;
      }
      const newest = transactions[transactions.length - 1];
      const known = await provider.getTransaction(newest.txHash);
      if (!known) {
        // Dropped from the mempool, or the crash came between commit and broadcast.
        this.#o.onEvent?.("rebroadcast", { ...subject, txHash: newest.txHash });
        if ((await this.#broadcast(newest.txHash, newest.raw)) === "underpriced") {
          await this.#replace(subject, newest);
        }
      } else if (Date.now() - (newest.broadcastAt ?? 0) >= this.#o.replaceAfterMs) {
        await this.#replace(subject, newest);
      }
    }
  }

  /** Same nonce, same call, higher fees: whichever of the two is mined, the work is done once. */
  async #replace(subject: AnchoringSubject, previous: PendingTransaction): Promise<void> {
    const fees = replacementFees(
      previous,
      networkFees(await this.#o.provider.getFeeData()),
      this.#o.feeBumpPercent,
    );
    this.#o.onEvent?.("replaced", {
      ...subject,
      previous: previous.txHash,
      maxFeePerGas: fees.maxFeePerGas,
    });
    await this.#send(subject, {
      to: previous.to,
      data: previous.data,
      gasLimit: previous.gasLimit,
      nonce: previous.nonce,
      ...fees,
    });
  }

  // --- settling -------------------------------------------------------------------------------

  /** A ledger call that reverts in `estimateGas`: done already, failed for good, or retried. */
  async #settleRevert(
    subject: AnchoringSubject,
    error: unknown,
    revert: LedgerRevert,
  ): Promise<void> {
    const onChain = await findOnLedger(this.#o.ledger, subject, this.#o.fromBlock);
    if (onChain) {
      this.#o.onEvent?.("already-anchored", { ...subject, revert: revert.name });
      await this.#markAnchored(subject, onChain);
      return;
    }
    if (revert.permanent) {
      await this.#store.markFailed(subject, revert.name!);
      this.#o.onEvent?.("failed", { ...subject, revert: revert.name });
      return;
    }
    throw error;
  }

  /**
   * The subject's transactions came to nothing (reverted, or their nonce went elsewhere): it is
   * anchored if the ledger holds it anyway, and otherwise goes back to the queue.
   */
  async #settleElsewhere(
    subject: AnchoringSubject,
    txStatus: "failed" | "replaced",
  ): Promise<void> {
    const onChain = await findOnLedger(this.#o.ledger, subject, this.#o.fromBlock);
    if (onChain) await this.#markAnchored(subject, onChain);
    else await this.#store.reopen(subject, txStatus);
  }

  async #markAnchored(
    subject: AnchoringSubject,
    anchoring: Anchoring,
    minedTxId?: string,
  ): Promise<void> {
    await this.#store.markAnchored(subject, anchoring, minedTxId);
    if (anchoring.blockNumber !== undefined && anchoring.blockHash) {
      this.#head.observe({ number: anchoring.blockNumber, hash: anchoring.blockHash });
    }
    this.#o.onEvent?.("anchored", { ...subject, ...anchoring });
  }

  // --- account --------------------------------------------------------------------------------

  async #from(): Promise<string> {
    this.#address ??= await this.#o.signer.getAddress();
    return this.#address;
  }

  async #chain(): Promise<bigint> {
    this.#chainId ??= (await this.#o.provider.getNetwork()).chainId;
    return this.#chainId;
  }
}
