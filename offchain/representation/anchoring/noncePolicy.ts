/**
 * The nonce of a new transaction: the chain's mined count (`chainCount`), or past our own
 * highest pending transaction. Not the node's "pending" count: a node's pool can hold
 * transactions the database has given up (a rewind, a gap) and forget them later (eviction,
 * restart), and a nonce handed out above them would then wait forever. A nonce the pool still
 * holds is instead met as "underpriced" and replaced.
 *
 * @example
 * const nonce = nextNonce(await provider.getTransactionCount(from, "latest"), await store.highestPendingNonce());
 */
export function nextNonce(chainCount: number, highestPending: number | undefined): number {
  return Math.max(chainCount, highestPending === undefined ? 0 : highestPending + 1);
}

/**
 * The first nonce at or above the chain's (`spent`) that none of our pending transactions holds,
 * when one of them waits above it: everything above it is stranded, since nonces are mined in
 * order. Undefined when the pending nonces run unbroken from the chain's, or when a transaction
 * above `spent` already has a receipt (the reads raced a new block: the next tick decides).
 *
 * @example
 * strandedAbove([{ nonce: 7, mined: false }], 5); // 5: nonces 5 and 6 are held by nothing of ours
 */
export function strandedAbove(
  groups: readonly { nonce: number; mined: boolean }[],
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
