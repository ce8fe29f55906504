import type { Provider } from "ethers";

import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import type { AnchoringSubject, TransactionStore } from "../outbox/TransactionStore.js";
import { blockHashes, findOrphanedBlocks, type ChainHead } from "./ChainHead.js";
import { ledgerHolds } from "./findOnLedger.js";

export interface CheckReorgsOptions {
  provider: Provider;
  store: TransactionStore;
  ledger: DataLedger;
  /** The head remembered from the last tick; reset to the chain's head before this returns. */
  head: ChainHead;
  /** Mined transactions this many blocks deep are checked every tick. */
  reorgDepth: number;
  onEvent?: (event: string, details: Record<string, unknown>) => void;
}

/**
 * Finds mined transactions whose block left the canonical chain, however deep, and puts them
 * back to pending (the receipt pass then rebroadcasts them in nonce order, or settles them when
 * their nonce went elsewhere), their subjects back to "submitted". The stored blocks are walked
 * newest first (`findOrphanedBlocks`) on any of three signs: the head remembered from the last
 * tick is gone (a lower head, or another block at its height: the node came back from an older
 * state); a transaction of the last `reorgDepth` blocks lost its block (a reorg mixing forks
 * within one tick); or nothing is remembered (a first tick: the chain may have rewound while the
 * gateway was down). Otherwise a tick costs the head and the recent blocks' hashes.
 *
 * @example
 * await checkReorgs({ provider, store, ledger, head, reorgDepth: 12 });
 */
export async function checkReorgs({
  provider,
  store,
  ledger,
  head,
  reorgDepth,
  onEvent,
}: CheckReorgsOptions): Promise<void> {
  const latest = await provider.getBlock("latest");
  if (!latest?.hash) throw new Error("the node returned no latest block");
  const now = { number: latest.number, hash: latest.hash };
  const hashAt = blockHashes(provider, now, latest.parentHash);
  const recent = await store.minedBlocksAbove(now.number - reorgDepth);
  // One JSON-RPC batch: the remembered head's block is usually one of the recent ones, or the
  // head's parent, and then costs nothing.
  const [rewound, recentHashes] = await Promise.all([
    head.rewound(now, hashAt),
    Promise.all(recent.map((block) => hashAt(block.number))),
  ]);
  const reorged = recent.some((block, i) => recentHashes[i] !== block.hash);
  if (rewound === false && !reorged) {
    head.reset(now);
    return;
  }
  const from = head.seen?.number;
  const { orphaned, intact } = await findOrphanedBlocks({
    hashAt,
    page: (below) => store.minedBlocksBelow(below),
  });
  const lost = await lostFindings(store, ledger, intact ?? -1);
  const moved = await store.unwindOrphaned(orphaned, lost);
  for (const { subject, blockNumber } of moved) onEvent?.("reorged", { ...subject, blockNumber });
  for (const subject of lost) onEvent?.("reorged", { ...subject });
  if (rewound || moved.length > 0 || lost.length > 0) {
    onEvent?.("rewound", {
      from: from ?? orphaned[0]?.number ?? now.number,
      to: now.number,
      intactBlock: intact ?? null,
      orphanedTransactions: moved.length,
      lostAnchorings: lost.length,
    });
  }
  head.reset(now);
}

/**
 * Subjects marked anchored on the ledger's word (`findOnLedger`: someone else's transaction, or
 * one of ours we lost track of) rather than by a receipt of ours have no stored block hash to
 * compare. Those above the newest intact block of ours are looked up again, and the ones the
 * chain no longer holds go back to the queue.
 */
async function lostFindings(
  store: TransactionStore,
  ledger: DataLedger,
  intact: number,
): Promise<AnchoringSubject[]> {
  const found = await store.anchoredWithoutReceipt(intact);
  const held = await Promise.all(found.map((subject) => ledgerHolds(ledger, subject)));
  return found.filter((_, i) => !held[i]);
}
