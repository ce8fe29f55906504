import { getAddress, type Hex } from "viem";

import { disputeReasons } from "../../sdk/ledgerAbi.js";
import type { Receipt } from "../../sdk/wire.js";
import type { Queryable } from "../../storage/Database.js";
import type { IndexedRecord, M2S, RecordFilter, RecordPage } from "./M2S.js";

type Row = Record<string, unknown>;

const SELECT = `
select r.block_hash, r.log_index, r.leaf_index, r.block_number::text as block_number, r.tx_hash,
  r.kind, r.record_id, r.data_hash, r.source_key, r.source_id::text as source_id, r.format_id,
  r.metadata_hash, r.sampled_at::text as sampled_at, r.uri, r.block_id, r.block_root, r.proof, r.deadline::text as deadline,
  r.signature, r.epoch::text as epoch, r.anchored_at::text as anchored_at,
  r.block_number <= coalesce((select finalized_block from idx_checkpoint limit 1), -1) as finalized,
  case when r.kind = 'block' then
    -- A dispute strikes one leaf, not the block: its neighbours stay active.
    case when exists (select 1 from idx_status_changes s where s.subject = r.block_id
        and s.related = r.leaf and s.status = 'disputed')
      then 'disputed' else 'active' end
  -- A record's status is its own: revoking one source's record leaves the others of its hash be.
  else coalesce((select s.status from idx_status_changes s where s.subject = r.record_id
      and s.status in ('revoked', 'superseded') order by s.block_number desc, s.log_index desc limit 1), 'active')
  end as status,
  case when r.kind = 'block' then
    (select coalesce(jsonb_agg(jsonb_build_object('reason', s.reason, 'leaf', s.related)
                               order by s.block_number, s.log_index), '[]'::jsonb)
       from idx_status_changes s where s.subject = r.block_id and s.status = 'disputed')
  end as block_disputes
from idx_records r`;

/**
 * The monitoring FE's side of M2S: the `M2S` interface answered from the supervisor's event index
 * (`idx_` tables, see `../indexer/schema.ts`), which the indexer fills from the chain and from
 * block documents it has checked against anchored roots. All SQL over those tables that another
 * FE needs lives here, beside the schema; statuses and finality are derived at read time from
 * the change rows and the checkpoint, as the schema's comment says. It only reads.
 *
 * @example
 * const m2s = new IndexM2S(db);
 * const app = createServiceApp({ db, m2s, blobs, provider, ledgerAddress, accessAddress, siwe });
 */
export class IndexM2S implements M2S {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** One more than `limit` is fetched to tell whether more exist. */
  async search(filter: RecordFilter): Promise<RecordPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (filter.sourceIds) add("r.source_id = any(?::bigint[])", filter.sourceIds);
    if (filter.formatIds)
      add(
        "r.format_id = any(?::text[])",
        filter.formatIds.map((f) => f.toLowerCase()),
      );
    if (filter.sourceId !== undefined) add("r.source_id = ?::bigint", filter.sourceId);
    if (filter.sourceKey) add("r.source_key = ?", filter.sourceKey.toLowerCase());
    if (filter.formatId) add("r.format_id = ?", filter.formatId.toLowerCase());
    if (filter.dataHash) add("r.data_hash = ?", filter.dataHash.toLowerCase());
    if (filter.sampledFrom !== undefined) add("r.sampled_at >= ?", filter.sampledFrom);
    if (filter.sampledTo !== undefined) add("r.sampled_at <= ?", filter.sampledTo);
    if (filter.after) {
      params.push(...filter.after);
      const n = params.length;
      where.push(
        `(r.block_number, r.log_index, r.leaf_index) > ($${n - 2}::bigint, $${n - 1}::int, $${n}::int)`,
      );
    }
    params.push(filter.limit + 1);
    const rows = await this.#db.query(
      `${SELECT} ${where.length ? `where ${where.join(" and ")}` : ""}
       order by r.block_number, r.log_index, r.leaf_index limit $${params.length}`,
      params,
    );
    return { records: rows.slice(0, filter.limit).map(toRecord), more: rows.length > filter.limit };
  }

  /**
   * Every anchoring of one record, earliest first: one on its own at most (the ledger refuses a
   * second), but data blocks may repeat a reading.
   */
  async byRecordId(recordId: string): Promise<IndexedRecord[]> {
    const rows = await this.#db.query(
      `${SELECT} where r.record_id = $1 order by r.block_number, r.log_index, r.leaf_index`,
      [recordId.toLowerCase()],
    );
    return rows.map(toRecord);
  }

  /** Every record holding a data hash (any source, any sampling time), earliest first. */
  async byDataHash(dataHash: string): Promise<IndexedRecord[]> {
    const rows = await this.#db.query(
      `${SELECT} where r.data_hash = $1 order by r.block_number, r.log_index, r.leaf_index`,
      [dataHash.toLowerCase()],
    );
    return rows.map(toRecord);
  }

  /** The sources or formats the dataset's indexed membership events currently include. */
  async datasetMembers(datasetId: bigint, memberType: "source" | "format"): Promise<string[]> {
    const rows = await this.#db.query<{ member: string; included: boolean }>(
      `select distinct on (member) member, included from idx_dataset_members
       where dataset_id = $1 and member_type = $2 order by member, block_number desc, log_index desc`,
      [datasetId.toString(), memberType],
    );
    return rows.filter((r) => r.included).map((r) => r.member);
  }

  /** Datasets whose indexed membership includes both the source and the format. */
  async datasetsContaining(sourceId: string, formatId: string): Promise<bigint[]> {
    const rows = await this.#db.query<{ dataset_id: string }>(
      `with current as (
         select distinct on (dataset_id, member_type, member) dataset_id, member_type, member, included
         from idx_dataset_members order by dataset_id, member_type, member, block_number desc, log_index desc)
       select s.dataset_id::text as dataset_id from current s join current f on f.dataset_id = s.dataset_id
       where s.member_type = 'source' and s.member = $1 and s.included
         and f.member_type = 'format' and f.member = $2 and f.included
       order by s.dataset_id`,
      [sourceId, formatId.toLowerCase()],
    );
    return rows.map((r) => BigInt(r.dataset_id));
  }
}

function toRecord(row: Row): IndexedRecord {
  const kind = row.kind as IndexedRecord["kind"];
  const proof =
    row.proof === null
      ? null
      : ((typeof row.proof === "string" ? JSON.parse(row.proof) : row.proof) as Hex[]);
  const leafIndex = Number(row.leaf_index);
  const record: Omit<IndexedRecord, "receipt"> = {
    recordId: row.record_id as Hex,
    dataHash: row.data_hash as Hex,
    kind,
    sourceKey: getAddress(row.source_key as string),
    sourceId: (row.source_id as string | null) ?? null,
    formatId: row.format_id as Hex,
    metadataHash: row.metadata_hash as Hex,
    sampledAt: Number(row.sampled_at),
    uri: row.uri as string,
    status: row.status as IndexedRecord["status"],
    anchoredAt: Number(row.anchored_at),
    blockNumber: Number(row.block_number),
    blockHash: row.block_hash as Hex,
    txHash: row.tx_hash as Hex,
    logIndex: Number(row.log_index),
    leafIndex: leafIndex < 0 ? null : leafIndex,
    blockId: (row.block_id as Hex | null) ?? null,
    root: (row.block_root as Hex | null) ?? null,
    proof,
    blockDisputes:
      row.block_disputes === null || row.block_disputes === undefined
        ? null
        : (
            (typeof row.block_disputes === "string"
              ? JSON.parse(row.block_disputes)
              : row.block_disputes) as { reason: number; leaf: string }[]
          ).map(({ reason, leaf }) => ({
            reason: disputeReasons[reason] ?? String(reason),
            leaf: leaf.toLowerCase() as Hex,
          })),
    finalized: Boolean(row.finalized),
  };
  let receipt: Receipt | null = null;
  // A row indexed before signing epochs (monitoring-002) has none, and no receipt would verify.
  if (row.signature !== null && row.epoch !== null) {
    receipt = {
      recordId: record.recordId,
      dataHash: record.dataHash,
      kind: kind === "block" ? "block" : "record",
      operation: {
        source: record.sourceKey,
        record: {
          dataHash: record.dataHash,
          formatId: record.formatId,
          metadataHash: record.metadataHash,
          sampledAt: record.sampledAt,
          uri: record.uri,
        },
        deadline: Number(row.deadline),
        epoch: Number(row.epoch),
        signature: row.signature as Hex,
      },
      ...(kind === "block"
        ? { blockId: record.blockId!, root: record.root!, leafIndex: leafIndex, proof: proof! }
        : {}),
      txHash: record.txHash,
      blockNumber: record.blockNumber,
    };
  }
  return { ...record, receipt };
}
