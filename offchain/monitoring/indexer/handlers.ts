import type { Interface, Provider, Result } from "ethers";
import { getAddress, type Hex } from "viem";

import type { BlobStore } from "../../storage/BlobStore.js";
import type { Queryable } from "../../storage/Database.js";
import { recordId } from "../../sdk/recordId.js";
import { loadBlockDocument } from "./loadBlockDocument.js";

/** Where a log sits on the chain; every row derived from it carries these. */
export interface LogPosition {
  blockHash: string;
  blockNumber: number;
  logIndex: number;
  txHash: string;
  /** Block timestamp, unix seconds. */
  timestamp: number;
  address: string;
}

/** What a handler gets: the open transaction, the decoded arguments and the log's position. */
export interface HandlerContext {
  db: Queryable;
  blobs: BlobStore;
  provider: Provider;
  /** The DataLedger interface, to decode the calldata of relayed submissions. */
  ledgerInterface: Interface;
  ledgerAddress: string;
  args: Result;
  log: LogPosition;
}

export type EventHandler = (context: HandlerContext) => Promise<void>;

const lower = (value: unknown) => String(value).toLowerCase();

/** The source id a key is bound to; keys are never rebound, so the first binding is the only one. */
async function sourceIdOfKey(db: Queryable, key: string): Promise<string | null> {
  const rows = await db.query<{ source_id: string }>(
    "select source_id::text as source_id from idx_source_keys where key = $1 order by block_number, log_index limit 1",
    [lower(key)],
  );
  return rows[0]?.source_id ?? null;
}

/**
 * The signing epoch source `sourceId` was in at `log`: the last SourceEpochChanged before it (an
 * earlier log, in this block or before), 0 before any.
 */
async function epochAt(db: Queryable, sourceId: bigint, log: LogPosition): Promise<string> {
  const rows = await db.query<{ epoch: string }>(
    `select epoch::text as epoch from idx_source_epochs
      where source_id = $1 and (block_number < $2 or (block_number = $2 and log_index < $3))
      order by block_number desc, log_index desc limit 1`,
    [sourceId.toString(), log.blockNumber, log.logIndex],
  );
  return rows[0]?.epoch ?? "0";
}

async function insertStatusChange(
  { db, log }: HandlerContext,
  row: {
    subject: string;
    status: string;
    reason: number | null;
    related: string | null;
    actor: string;
  },
): Promise<void> {
  await db.query(
    `insert into idx_status_changes
       (block_hash, log_index, block_number, tx_hash, subject, status, reason, related, actor)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
    [
      log.blockHash,
      log.logIndex,
      log.blockNumber,
      log.txHash,
      lower(row.subject),
      row.status,
      row.reason,
      row.related === null ? null : lower(row.related),
      lower(row.actor),
    ],
  );
}

async function insertSourceKey(context: HandlerContext, sourceId: bigint, key: string) {
  const { db, log } = context;
  await db.query(
    `insert into idx_source_keys (block_hash, log_index, block_number, source_id, key)
     values ($1, $2, $3, $4, $5) on conflict do nothing`,
    [log.blockHash, log.logIndex, log.blockNumber, sourceId.toString(), lower(key)],
  );
}

async function insertDatasetMember(
  context: HandlerContext,
  memberType: "source" | "format",
  member: string,
) {
  const { db, log, args } = context;
  await db.query(
    `insert into idx_dataset_members
       (block_hash, log_index, block_number, dataset_id, member_type, member, included)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing`,
    [
      log.blockHash,
      log.logIndex,
      log.blockNumber,
      args.datasetId.toString(),
      memberType,
      member,
      Boolean(args.included),
    ],
  );
}

/**
 * Tells a relayed record (anyone sent the source's EIP-712 signature) from a direct one (the
 * source key sent it) by decoding the transaction's calldata; the signature is kept so the
 * service can hand out a receipt `verifyReceipt` checks. Calls routed through another contract
 * are not decoded and count as direct: their signature, if any, is not recoverable from a log.
 */
async function relayedSignature(
  context: HandlerContext,
  anchoredId: string,
): Promise<{ deadline: string; signature: string } | null> {
  const tx = await context.provider.getTransaction(context.log.txHash);
  if (!tx || !tx.to || lower(tx.to) !== lower(context.ledgerAddress)) return null;
  const call = context.ledgerInterface.parseTransaction({ data: tx.data });
  if (call?.name !== "submitRecordBySig") return null;
  // The signature belongs to this log only if the call's record is the one anchored.
  const called = recordId(call.args.source, {
    dataHash: call.args.record.dataHash,
    sampledAt: Number(call.args.record.sampledAt),
  });
  if (called !== lower(anchoredId)) return null;
  return { deadline: call.args.deadline.toString(), signature: lower(call.args.signature) };
}

/**
 * One handler per event the index derives state from (Ponder's `ponder.on`). Every other event of
 * the two contracts lands in `idx_events` only. Handlers insert with `on conflict do nothing`
 * keyed by the log's (block hash, log index), so replaying a range changes nothing.
 */
export const handlers: Record<string, EventHandler> = {
  async SourceRegistered(context) {
    await insertSourceKey(context, context.args.sourceId, context.args.signer);
  },

  async SourceKeyRotated(context) {
    await insertSourceKey(context, context.args.sourceId, context.args.newSigner);
  },

  async SourceEpochChanged({ db, log, args }) {
    await db.query(
      `insert into idx_source_epochs (block_hash, log_index, block_number, source_id, epoch)
       values ($1, $2, $3, $4, $5) on conflict do nothing`,
      [
        log.blockHash,
        log.logIndex,
        log.blockNumber,
        args.sourceId.toString(),
        args.epoch.toString(),
      ],
    );
  },

  async RecordAnchored(context) {
    const { db, log, args } = context;
    const relayed = await relayedSignature(context, args.recordId);
    // submitRecordBySig names no epoch: the ledger checked the signature in the source's current one.
    const epoch = relayed ? await epochAt(db, args.sourceId, log) : null;
    await db.query(
      `insert into idx_records
         (block_hash, log_index, leaf_index, block_number, tx_hash, kind, record_id, data_hash,
          source_key, source_id, format_id, metadata_hash, sampled_at, uri, deadline, signature,
          anchored_at, epoch)
       values ($1, $2, -1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       on conflict do nothing`,
      [
        log.blockHash,
        log.logIndex,
        log.blockNumber,
        log.txHash,
        relayed ? "relayed" : "direct",
        lower(args.recordId),
        lower(args.dataHash),
        lower(args.signer),
        args.sourceId.toString(),
        lower(args.formatId),
        lower(args.metadataHash),
        args.sampledAt.toString(),
        args.uri,
        relayed?.deadline ?? null,
        relayed?.signature ?? null,
        log.timestamp,
        epoch,
      ],
    );
  },

  async RecordUpdated(context) {
    const { args } = context;
    await insertStatusChange(context, {
      subject: args.previousRecordId,
      status: "superseded",
      reason: null,
      related: args.recordId,
      actor: args.updatedBy,
    });
  },

  async RecordRevoked(context) {
    const { args } = context;
    await insertStatusChange(context, {
      subject: args.recordId,
      status: "revoked",
      reason: Number(args.reasonCode),
      related: null,
      actor: args.revokedBy,
    });
  },

  async DataBlockAnchored(context) {
    const { db, log, args, blobs } = context;
    const root = lower(args.root) as Hex;
    const blockId = lower(args.blockId) as Hex;
    const result = await loadBlockDocument(
      blobs,
      args.uri,
      getAddress(args.gateway),
      root,
      Number(args.count),
    );
    await db.query(
      `insert into idx_data_blocks
         (block_hash, log_index, block_number, tx_hash, root, gateway, count, first_sampled_at,
          last_sampled_at, uri, verification, reason, anchored_at, block_id, chain_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       on conflict do nothing`,
      [
        log.blockHash,
        log.logIndex,
        log.blockNumber,
        log.txHash,
        root,
        lower(args.gateway),
        Number(args.count),
        args.firstSampledAt.toString(),
        args.lastSampledAt.toString(),
        args.uri,
        result.verification,
        result.verification === "unverifiable"
          ? result.reason
          : result.emptySlots > 0
            ? "COUNT_TOO_HIGH"
            : null,
        log.timestamp,
        blockId,
        args.chainId.toString(),
      ],
    );
    // An unverifiable document may list anything; indexing it would attribute data to sources
    // on the gateway's word alone.
    if (result.verification !== "verified") return;
    for (const [leafIndex, { operation, leaf, proof }] of result.leaves.entries()) {
      await db.query(
        `insert into idx_records
           (block_hash, log_index, leaf_index, block_number, tx_hash, kind, record_id, data_hash,
            source_key, source_id, format_id, metadata_hash, sampled_at, uri, block_root, proof,
            deadline, signature, anchored_at, leaf, epoch, block_id)
         values ($1, $2, $3, $4, $5, 'block', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
           $17, $18, $19, $20, $21)
         on conflict do nothing`,
        [
          log.blockHash,
          log.logIndex,
          leafIndex,
          log.blockNumber,
          log.txHash,
          // No event names a leaf's record; the id follows from the signed operation, as on-chain.
          recordId(operation.source, operation.record),
          operation.record.dataHash,
          lower(operation.source),
          await sourceIdOfKey(db, operation.source),
          operation.record.formatId,
          operation.record.metadataHash,
          operation.record.sampledAt,
          operation.record.uri,
          root,
          JSON.stringify(proof),
          operation.deadline,
          lower(operation.signature),
          log.timestamp,
          // A dispute names the leaf it strikes: the key that tells a struck leaf from its neighbours.
          leaf,
          operation.epoch,
          blockId,
        ],
      );
    }
  },

  // A dispute of a block is keyed by its block id: a rival's copy of the root is another block.
  // WrongCount names the slot that proved the count wrong (zero, or a leaf past the count), so
  // it strikes no listed operation but shows on the block.
  async DataBlockDisputed(context) {
    const { args } = context;
    await insertStatusChange(context, {
      subject: args.blockId,
      status: "disputed",
      reason: Number(args.reason),
      related: args.leaf,
      actor: args.challenger,
    });
  },

  async DatasetSourceSet(context) {
    await insertDatasetMember(context, "source", context.args.sourceId.toString());
  },

  async DatasetFormatSet(context) {
    await insertDatasetMember(context, "format", lower(context.args.formatId));
  },
};
