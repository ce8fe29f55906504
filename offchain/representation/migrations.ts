import type { Migration } from "../storage/migrate.js";

/**
 * Schema of the representation gateway's durable outbox (Y.4561 7.1.1 encapsulation, 8.6).
 * Everything the gateway has acknowledged lives here before the device hears "accepted", so a
 * restart resumes from these rows alone.
 *
 * Times are unix milliseconds (bigint) taken from the gateway's clock, not the database's, so the
 * batcher's time window means the same on PGlite and PostgreSQL.
 */
export const representationMigrations: Migration[] = [
  {
    id: "representation-001-outbox",
    sql: `
      create table gateway_blocks (
        root text primary key,
        seq bigserial not null unique,
        count integer not null check (count > 0),
        first_sampled_at bigint not null,
        last_sampled_at bigint not null,
        uri text not null,
        status text not null check (status in ('packed', 'submitted', 'anchored', 'failed')),
        tx_hash text,
        block_number bigint,
        anchored_at bigint,
        created_at bigint not null
      );
      create table gateway_records (
        record_id text primary key,
        seq bigserial not null unique,
        mode text not null check (mode in ('block', 'relayed')),
        operation jsonb not null,
        operation_hash text not null,
        status text not null check (status in ('accepted', 'packed', 'submitted', 'anchored', 'failed')),
        -- One column, so a record belongs to at most one data block by construction.
        block_root text references gateway_blocks (root),
        leaf_index integer,
        proof jsonb,
        tx_hash text,
        block_number bigint,
        anchored_at bigint,
        failure jsonb,
        accepted_at bigint not null,
        unique (block_root, leaf_index),
        check ((block_root is null) = (leaf_index is null)),
        check (mode = 'block' or block_root is null)
      );
      create index gateway_records_pending on gateway_records (status, mode, seq);
      create table gateway_txs (
        id bigserial primary key,
        subject_kind text not null check (subject_kind in ('block', 'record')),
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
      create index gateway_txs_subject on gateway_txs (subject_kind, subject_id)
    `,
  },
];
