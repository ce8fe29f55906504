import type { Hex } from "viem";

import type {
  AnchoringMode,
  Receipt,
  RecordState,
  RecordStatus,
  SignedOperation,
} from "../../sdk/wire.js";
import type { Database } from "../../storage/Database.js";
import { DataBlockTree } from "../packing/DataBlockTree.js";

/**
 * The outbox's view of one record (R2D): its status and, once anchored, its receipt (Y.4561 6.2.4:
 * the receipt lets anyone verify the record against the chain without trusting the gateway).
 *
 * @example
 * const state = await readRecordState(db, recordId); // undefined when unknown
 */
export async function readRecordState(
  db: Database,
  recordId: Hex,
): Promise<RecordState | undefined> {
  const [row] = await db.query<{
    record_id: Hex;
    mode: AnchoringMode;
    status: RecordStatus;
    operation: SignedOperation;
    seq: string;
    block_id: Hex | null;
    block_root: Hex | null;
    block_count: number | null;
    block_first_seq: string | null;
    nodes: Uint8Array | null;
    tx_hash: Hex | null;
    block_number: number | null;
    anchored_at: number | null;
    failure: Record<string, unknown> | null;
  }>(
    // The block's stored tree (2 × 32 bytes per record: 128 KiB for 2,048) is read only when
    // a receipt is answered: a device polling a packed or submitted record must not drag the
    // whole tree across the wire at every poll.
    `select record_id, mode, status, operation, seq::text as seq, block_id, block_root,
       block_count, block_first_seq::text as block_first_seq,
       case when status = 'anchored' then nodes end as nodes, tx_hash,
       block_number::float8 as block_number, anchored_at::float8 as anchored_at, failure
     from gateway_record_states where record_id = $1`,
    [recordId.toLowerCase()],
  );
  if (!row) return undefined;
  const state: RecordState = { recordId: row.record_id, status: row.status, mode: row.mode };
  if (row.block_id) {
    state.blockId = row.block_id;
    state.root = row.block_root!;
  }
  if (row.failure) state.failure = row.failure;
  if (row.status === "anchored") {
    const receipt: Receipt = {
      recordId: row.record_id,
      dataHash: row.operation.record.dataHash,
      kind: row.mode === "block" ? "block" : "record",
      operation: row.operation,
    };
    if (row.block_id && row.nodes) {
      // The block's leaves are its range's block-mode records in sequence order.
      const [{ rank }] = await db.query<{ rank: number }>(
        `select count(*)::int as rank from gateway_records
          where mode = 'block' and seq >= $1::bigint and seq < $2::bigint`,
        [row.block_first_seq, row.seq],
      );
      receipt.blockId = row.block_id;
      receipt.root = row.block_root!;
      receipt.leafIndex = rank;
      receipt.proof = DataBlockTree.proofFromNodes(row.nodes, row.block_count!, rank);
    }
    if (row.tx_hash) receipt.txHash = row.tx_hash;
    if (row.block_number !== null) receipt.blockNumber = Number(row.block_number);
    if (row.anchored_at !== null) receipt.anchoredAt = Number(row.anchored_at);
    state.receipt = receipt;
  }
  return state;
}
