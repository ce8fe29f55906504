import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import type { Anchoring, AnchoringSubject } from "../outbox/TransactionStore.js";

/**
 * What the ledger holds for a subject, if anything: the confirmation behind a duplicate revert,
 * a nonce spent elsewhere or a reverted receipt. By block id (`dataBlockId(gateway, root)`, so
 * only this gateway's own block confirms, never a rival's copy of its root) or by record id (it
 * names the source, data hash and sampling time: only this very record confirms). The
 * transaction and block come from the anchoring event when one is found from `fromBlock` on.
 *
 * @example
 * const onChain = await findOnLedger(ledger, { kind: "block", id: blockId }, 0);
 */
export async function findOnLedger(
  ledger: DataLedger,
  subject: AnchoringSubject,
  fromBlock: number,
): Promise<Anchoring | undefined> {
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

/**
 * Whether the ledger holds the subject at all (any status but "none"), without its events.
 *
 * @example
 * if (!(await ledgerHolds(ledger, subject))) await requeue(subject);
 */
export async function ledgerHolds(ledger: DataLedger, subject: AnchoringSubject): Promise<boolean> {
  return subject.kind === "block"
    ? Number((await ledger.getDataBlock(subject.id)).status) !== 0
    : Number((await ledger.getRecord(subject.id)).status) !== 0;
}
