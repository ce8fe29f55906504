import type { Provider } from "ethers";

/** A block by height and hash. */
export type BlockRef = {
  number: number;
  hash: string;
};

/** Reads the hash of the chain's block at a height; undefined above the head. */
export type HashAt = (blockNumber: number) => Promise<string | undefined>;

/**
 * The newest block the submitter knows the chain held, to tell a chain that moved on from one
 * that rewound: a node restarted from an older state, or a reorg deeper than anything re-checked
 * block by block. Memory only: a restarted gateway has nothing to compare with, and its first
 * tick walks its stored transactions instead (`findOrphanedBlocks`).
 *
 * @example
 * const head = new ChainHead();
 * if (await head.rewound(latest, blockHashes(provider, latest, latest.parentHash))) recover();
 * head.reset(latest);
 */
export class ChainHead {
  #seen: BlockRef | undefined;

  get seen(): BlockRef | undefined {
    return this.#seen;
  }

  /**
   * Raises the remembered head to `block` when it is higher: a receipt can come from a block
   * mined after the tick read the head, and a rewind to below it must still show.
   */
  observe(block: BlockRef): void {
    if (!this.#seen || block.number > this.#seen.number) this.#seen = block;
  }

  /** Remembers `block` as the head, lower or not: after a rewind, what the chain is now. */
  reset(block: BlockRef): void {
    this.#seen = block;
  }

  /**
   * Whether the chain rewound since the remembered head: its head is lower, or another block
   * stands at that height. Blocks chain by hash, so the same block there means nothing under it
   * changed. Undefined when nothing is remembered.
   */
  async rewound(head: BlockRef, hashAt: HashAt): Promise<boolean | undefined> {
    const seen = this.#seen;
    if (!seen) return undefined;
    if (head.number < seen.number) return true;
    if (head.number === seen.number) return head.hash !== seen.hash;
    return (await hashAt(seen.number)) !== seen.hash;
  }
}

/**
 * A per-tick reader of block hashes: each height is asked for once (the head's and its parent's
 * are known already), and the requests of one tick go out together (ethers batches concurrent
 * calls into one JSON-RPC batch).
 */
export function blockHashes(provider: Provider, head: BlockRef, parentHash?: string): HashAt {
  const cache = new Map<number, Promise<string | undefined>>([
    [head.number, Promise.resolve(head.hash)],
  ]);
  if (parentHash && head.number > 0) cache.set(head.number - 1, Promise.resolve(parentHash));
  return (n) => {
    if (n > head.number || n < 0) return Promise.resolve(undefined);
    let hash = cache.get(n);
    if (!hash) {
      hash = provider.getBlock(n).then((block) => block?.hash ?? undefined);
      cache.set(n, hash);
    }
    return hash;
  };
}

/**
 * Walks stored blocks newest first, a page at a time, comparing each with the chain, until one
 * still matches: blocks chain by hash, so everything at or under a matching block is intact and
 * the walk never reads further than the orphaned blocks plus one. Returns the orphaned blocks and
 * the height of the newest intact one (undefined when none of them is).
 *
 * @example
 * const { orphaned, intact } = await findOrphanedBlocks({ page, hashAt });
 */
export async function findOrphanedBlocks({
  page,
  hashAt,
}: {
  /** Up to a page of distinct stored (height, hash) pairs under `below`, newest first. */
  page: (below: number) => Promise<BlockRef[]>;
  hashAt: HashAt;
}): Promise<{ orphaned: BlockRef[]; intact?: number }> {
  const orphaned: BlockRef[] = [];
  let below = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const stored = await page(below);
    if (stored.length === 0) return { orphaned };
    const hashes = await Promise.all(stored.map((block) => hashAt(block.number)));
    let intact: number | undefined;
    for (const [i, block] of stored.entries()) {
      // Pairs of the intact height that do not match were orphaned all the same (two forks'
      // receipts at one height); nothing lower is read.
      if (intact !== undefined && block.number < intact) break;
      if (hashes[i] === block.hash) intact = block.number;
      else orphaned.push(block);
    }
    if (intact !== undefined) return { orphaned, intact };
    below = stored[stored.length - 1].number;
  }
}
