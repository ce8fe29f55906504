import type { Address, Hex } from "viem";

import type { Receipt } from "../../sdk/wire.js";

/**
 * One anchored record as the monitoring FE reports it over M2S: an indexed anchoring of the
 * record plus its status and finality as the chain's events say.
 */
export interface IndexedRecord {
  /**
   * The ledger's key for the record, `recordId(sourceKey, {dataHash, sampledAt})`: one source's
   * statement about one reading. Many records may share a data hash.
   */
  recordId: Hex;
  dataHash: Hex;
  /** direct: sent by the source key; relayed: the source's signature sent by anyone; block: in a data block. */
  kind: "direct" | "relayed" | "block";
  sourceKey: Address;
  /** Null when the signing key was never bound to a source (a challengeable block leaf). */
  sourceId: string | null;
  formatId: Hex;
  metadataHash: Hex;
  sampledAt: number;
  uri: string;
  /** active, superseded or revoked (individual records); active or disputed (block leaves:
   * disputed when that leaf was struck, not when a neighbour was). */
  status: "active" | "superseded" | "revoked" | "disputed";
  /** Block timestamp of the anchoring transaction, unix seconds. */
  anchoredAt: number;
  blockNumber: number;
  blockHash: Hex;
  txHash: Hex;
  logIndex: number;
  /** Position in the data block's tree (and document), null for individual records. */
  leafIndex: number | null;
  /** The data block's ledger key, `dataBlockId(gateway, root)`; null for individual records. */
  blockId: Hex | null;
  root: Hex | null;
  proof: Hex[] | null;
  /**
   * Every dispute proved against the record's data block, this leaf's or others' (WrongCount
   * names a slot, not an operation); null for individual records.
   */
  blockDisputes: { reason: string; leaf: Hex }[] | null;
  /** Whether the anchoring block is deeper than the indexer's confirmation depth. */
  finalized: boolean;
  /**
   * SDK receipt, verifiable with `verifyReceipt`; null for direct records (no signature exists)
   * and for rows indexed before signing epochs (no epoch known).
   */
  receipt: Receipt | null;
}

/** Which records `M2S.search` returns; every field given narrows the result. */
export interface RecordFilter {
  /** Restrict to these source ids and formats (a dataset's members); empty arrays match nothing. */
  sourceIds?: string[];
  formatIds?: string[];
  sourceId?: string;
  sourceKey?: string;
  formatId?: string;
  dataHash?: string;
  sampledFrom?: number;
  sampledTo?: number;
  /**
   * Exclusive chain position to continue after: [blockNumber, logIndex, leafIndex], leafIndex
   * -1 for an individual record (as `IndexedRecord.leafIndex` null).
   */
  after?: [number, number, number];
  limit: number;
}

/** One page of `M2S.search`: at most `limit` records, and whether more match after them. */
export interface RecordPage {
  records: IndexedRecord[];
  more: boolean;
}

/**
 * The M2S reference point of Y.4561 (monitoring FE → service provisioning FE): what the service
 * may ask of the supervisor's event index. The monitoring FE owns this interface and its one
 * implementation over the index's tables (`IndexM2S`); the service holds an `M2S` and never reads
 * those tables itself, so the index's schema can change without the service noticing.
 *
 * Everything here is the index's view, which may lag the chain or be rewound by a reorg: the
 * service confirms on-chain (S2P) whatever grants access. Results are in chain order (block
 * number, log index, leaf index); hex inputs match case-insensitively.
 *
 * @example
 * const m2s: M2S = new IndexM2S(db);
 * const { records, more } = await m2s.search({ dataHash, limit: 10 });
 */
export interface M2S {
  /** Records matching `filter`, in chain order, at most `filter.limit` of them. */
  search(filter: RecordFilter): Promise<RecordPage>;
  /**
   * Every anchoring of one record, earliest first: one on its own at most (the ledger refuses a
   * second), but data blocks may repeat a reading. Empty when the index knows no such record.
   */
  byRecordId(recordId: string): Promise<IndexedRecord[]>;
  /** Every record holding a data hash (any source, any sampling time), earliest first. */
  byDataHash(dataHash: string): Promise<IndexedRecord[]>;
  /** The source ids or format ids the dataset's indexed membership events currently include. */
  datasetMembers(datasetId: bigint, memberType: "source" | "format"): Promise<string[]>;
  /** Datasets whose indexed membership includes both the source and the format, ascending. */
  datasetsContaining(sourceId: string, formatId: string): Promise<bigint[]>;
}
