import type { Provider, TransactionReceipt } from "ethers";

import type { AnchoringSubject, PendingTransaction } from "../outbox/TransactionStore.js";

/** A subject's pending transactions at one nonce, with what the chain says of them. */
export interface PendingNonce {
  subject: AnchoringSubject;
  nonce: number;
  /** Oldest first: the first transaction, then its replacements (same nonce, higher fees). */
  transactions: PendingTransaction[];
  /** The newest of them that has a receipt, if one has. */
  mined?: MinedTransaction;
}

export interface MinedTransaction {
  transaction: PendingTransaction;
  receipt: TransactionReceipt;
  /** Whether the required number of blocks holds it (its own block counts as one). */
  confirmed: boolean;
  /** Its block's timestamp, read once it is confirmed and succeeded (undefined if the node had no block there). */
  blockTimestamp?: number;
}

/**
 * Reads what the chain says of the pending transactions (at least one): the account's mined
 * count (`spent`) and, per subject and nonce, the newest transaction with a receipt. The head,
 * every receipt and then every confirmed block's timestamp go out in one batch each: a round trip
 * per transaction, in sequence, queued behind the busy event loop each time, added hundreds of
 * milliseconds to anchoring.
 *
 * @example
 * const { spent, nonces } = await followReceipts({ provider, from, pending, confirmations: 1 });
 */
export async function followReceipts({
  provider,
  from,
  pending,
  confirmations,
}: {
  provider: Provider;
  /** The gateway's account, whose nonces the transactions use. */
  from: string;
  /** By nonce, then oldest first (as `TransactionStore.pending` reads them). */
  pending: readonly PendingTransaction[];
  confirmations: number;
}): Promise<{ spent: number; nonces: PendingNonce[] }> {
  const byNonce = new Map<string, PendingTransaction[]>();
  for (const transaction of pending) {
    const key = `${transaction.subject.kind}:${transaction.subject.id}:${transaction.nonce}`;
    byNonce.set(key, [...(byNonce.get(key) ?? []), transaction]);
  }
  const groups = [...byNonce.values()];
  const newestFirst = groups.map((group) => [...group].reverse());
  const [latest, spent, receiptsOf] = await Promise.all([
    provider.getBlockNumber(),
    provider.getTransactionCount(from, "latest"),
    Promise.all(
      newestFirst.map((candidates) =>
        Promise.all(candidates.map((row) => provider.getTransactionReceipt(row.txHash))),
      ),
    ),
  ]);
  const minedOf = receiptsOf.map((receipts, g) => {
    const found = receipts.findIndex((receipt) => receipt !== null);
    if (found < 0) return undefined;
    const receipt = receipts[found]!;
    return {
      transaction: newestFirst[g][found],
      receipt,
      confirmed: latest - receipt.blockNumber + 1 >= confirmations,
    };
  });
  const blockNumbers = [
    ...new Set(
      minedOf.flatMap((m) =>
        m?.confirmed && m.receipt.status === 1 ? [m.receipt.blockNumber] : [],
      ),
    ),
  ];
  const blocks = await Promise.all(blockNumbers.map((n) => provider.getBlock(n)));
  const timestamps = new Map(blockNumbers.map((n, i) => [n, blocks[i]?.timestamp]));
  return {
    spent,
    nonces: groups.map((group, g) => {
      const mined = minedOf[g];
      return {
        subject: group[0].subject,
        nonce: group[0].nonce,
        transactions: group,
        mined: mined && {
          ...mined,
          blockTimestamp: mined.confirmed ? timestamps.get(mined.receipt.blockNumber) : undefined,
        },
      };
    }),
  };
}
