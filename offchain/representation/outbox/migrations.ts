import { BaseError } from "../../shared/BaseError.js";
import type { Queryable } from "../../storage/Database.js";
import type { Migration } from "../../storage/migrate.js";

/**
 * Schema of the representation gateway's durable outbox (Y.4561 7.1.1 encapsulation, 8.6).
 * Everything the gateway has acknowledged lives here before the device hears "accepted", so a
 * restart resumes from these rows alone. (One step: the three of the unreleased 0.1.0
 * development line were squashed when data blocks moved to protocol v3, whose outboxes an
 * older gateway's could not continue anyway.)
 *
 * Times are unix milliseconds (bigint) taken from the gateway's clock, not the database's, so the
 * batcher's time window means the same on PGlite and PostgreSQL.
 *
 * A block-mode record row is written once, at acceptance: a data block owns a range of the
 * outbox's sequence, its members are the block-mode records with `first_seq <= seq <= last_seq`
 * in sequence order (a record's leaf index is its rank there), and a block-mode record after
 * the last block's range is waiting to be packed. That holds because the gateway inserts
 * records one statement at a time (OutboxWriter), so rows commit in sequence order and no later
 * commit can land inside a packed range. Submitted/anchored/failed live on the block row, the
 * block's tree is stored with it (`nodes`, DataBlockTree's stored form) so proofs are read, not
 * rehashed, and a payload rides in its accept transaction until the batcher publishes it.
 */
export const representationMigrations: Migration[] = [
  {
    id: "representation-001-outbox-v3",
    sql: `
      create table gateway_blocks (
        -- The ledger's key of the block, dataBlockId(gateway, root) (data block protocol v3).
        block_id text primary key,
        root text not null,
        seq bigserial not null unique,
        count integer not null check (count > 0),
        first_seq bigint not null,
        last_seq bigint not null check (last_seq >= first_seq),
        first_sampled_at bigint not null,
        last_sampled_at bigint not null,
        uri text not null,
        nodes bytea not null,
        status text not null check (status in ('packed', 'submitted', 'anchored', 'failed')),
        tx_hash text,
        block_number bigint,
        anchored_at bigint,
        created_at bigint not null
      );
      create unique index gateway_blocks_last_seq on gateway_blocks (last_seq);
      create index gateway_blocks_open on gateway_blocks (status) where status in ('packed', 'submitted');
      create table gateway_records (
        record_id text primary key,
        seq bigserial not null unique,
        mode text not null check (mode in ('block', 'relayed')),
        operation jsonb not null,
        operation_hash text not null,
        status text not null check (status in ('accepted', 'packed', 'submitted', 'anchored', 'failed')),
        payload text,
        tx_hash text,
        block_number bigint,
        anchored_at bigint,
        failure jsonb,
        accepted_at bigint not null
      );
      create index gateway_records_relayed_open on gateway_records (accepted_at)
        where mode = 'relayed' and status = 'accepted';
      create table gateway_txs (
        id bigserial primary key,
        subject_kind text not null check (subject_kind in ('block', 'record')),
        -- A block's block_id, a record's record_id.
        subject_id text not null,
        nonce bigint not null,
        to_address text not null,
        data text not null,
        gas_limit text not null,
        max_fee_per_gas text not null,
        max_priority_fee_per_gas text not null,
        raw text not null,
        tx_hash text not null unique,
        status text not null check (status in ('pending', 'mined', 'replaced', 'failed')),
        block_number bigint,
        block_hash text,
        broadcast_at bigint,
        created_at bigint not null
      );
      create index gateway_txs_status on gateway_txs (status, nonce);
      create index gateway_txs_subject on gateway_txs (subject_kind, subject_id);
      -- A record's effective state, whichever row holds it: what readers query.
      create view gateway_record_states as
        select r.record_id, r.seq, r.mode, r.operation, r.operation_hash,
               case when r.mode = 'relayed' then r.status else coalesce(b.status, 'accepted') end
                 as status,
               b.block_id, b.root as block_root, b.count as block_count,
               b.first_seq as block_first_seq, b.nodes,
               coalesce(b.tx_hash, r.tx_hash) as tx_hash,
               coalesce(b.block_number, r.block_number) as block_number,
               coalesce(b.anchored_at, r.anchored_at) as anchored_at,
               r.failure, r.accepted_at
          from gateway_records r
          left join lateral (
            select b1.block_id, b1.root, b1.count, b1.first_seq, b1.status, b1.nodes, b1.tx_hash,
                   b1.block_number, b1.anchored_at
              from gateway_blocks b1
             where r.mode = 'block' and b1.last_seq >= r.seq
             order by b1.last_seq limit 1
          ) b on b.first_seq <= r.seq
    `,
  },
  {
    // What an operator sets over C2R (Y.4561 8.4 "configuring data management"), kept so a
    // restart keeps it: per-source submission quotas and the gateway's live settings.
    id: "representation-002-control-settings",
    sql: `
      create table gateway_source_quotas (
        source_id text primary key,
        records integer not null check (records >= 0),
        period_sec integer not null check (period_sec > 0),
        updated_at bigint not null
      );
      create table gateway_settings (
        name text primary key,
        value jsonb not null,
        updated_at bigint not null
      );
    `,
  },
];

/** The steps of the 0.1.0 development line that `representation-001-outbox-v3` replaced. */
const PRE_V3_STEPS = [
  "representation-001-outbox",
  "representation-002-block-owned-state",
  "representation-003-block-seq-ranges",
];

/**
 * Thrown when the database holds an outbox of a gateway before data block protocol v3: its
 * blocks were keyed by root over sorted-pair trees, which no v3 ledger or receipt accepts.
 */
export class OutboxOutdatedError extends BaseError {
  constructor(steps: string[]) {
    super(
      "OUTBOX_OUTDATED",
      "The gateway's database holds an outbox of a gateway before data block protocol v3; " +
        "start on a fresh database (npm start -- --fresh)",
      { details: { steps } },
    );
  }
}

/**
 * Refuses, before any migration runs, a database whose outbox an older gateway made.
 *
 * @throws {OutboxOutdatedError} OUTBOX_OUTDATED.
 *
 * @example
 * await refuseOutdatedOutbox(db);
 * await migrate(db, representationMigrations);
 */
export async function refuseOutdatedOutbox(db: Queryable): Promise<void> {
  const [{ present }] = await db.query<{ present: boolean }>(
    "select to_regclass('schema_migrations') is not null as present",
  );
  if (!present) return;
  const rows = await db.query<{ id: string }>(
    "select id from schema_migrations where id = any($1::text[]) order by id",
    [PRE_V3_STEPS],
  );
  if (rows.length > 0) throw new OutboxOutdatedError(rows.map((row) => row.id));
}
