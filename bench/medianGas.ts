import type { TransactionResponse } from "ethers";

/** How many transactions to send and which of them count. */
export interface SampleOptions {
  /** Leading transactions sent but not counted: they pay one-time slot initialisations. */
  warmup: number;
  /** Transactions counted; odd, so the median is one of them. */
  samples: number;
}

/**
 * Sends `warmup + samples` transactions one after another and returns the median `gasUsed` of
 * the counted ones (receipt gas, 21 000 intrinsic included). `send(i)` must build a fresh
 * operation for each `i`.
 *
 * @example
 * const gas = await medianGas({ warmup: 1, samples: 5 }, (i) => ledger.submitRecord(record(i)));
 */
export async function medianGas(
  { warmup, samples }: SampleOptions,
  send: (index: number) => Promise<TransactionResponse>,
): Promise<bigint> {
  if (samples < 1 || samples % 2 === 0)
    throw new Error(`samples must be odd and positive, got ${samples}`);
  const counted: bigint[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const gas = await gasUsed(send(i));
    if (i >= warmup) counted.push(gas);
  }
  counted.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return counted[(samples - 1) / 2];
}

/** Receipt `gasUsed` of a transaction, failing loudly on a revert. */
export async function gasUsed(sent: Promise<TransactionResponse>): Promise<bigint> {
  const tx = await sent;
  const receipt = await tx.wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`transaction ${tx.hash} failed`);
  return receipt.gasUsed;
}
