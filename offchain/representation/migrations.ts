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
  {
    // Throughput: at thousands of records per second the outbox's per-record writes were the
    // gateway's largest cost. From here a block-mode record is written twice (accepted, then
    // packed into a block); submitted/anchored/failed live on its block row only, proofs are
    // read from the block's stored tree, and the payload rides in the accept transaction
    // instead of a file fsynced per record (the batcher publishes it to the BlobStore).
    id: "representation-002-block-owned-state",
    sql: `
      alter table gateway_blocks add column nodes bytea;
      alter table gateway_records add column payload text;
      drop index gateway_records_pending;
      create index gateway_records_accepted on gateway_records (mode, seq) where status = 'accepted';
      -- A record's effective state, whichever row holds it: what readers query.
      create view gateway_record_states as
        select r.record_id, r.seq, r.mode, r.operation, r.operation_hash,
               case when r.block_root is null then r.status else b.status end as status,
               r.block_root, r.leaf_index, r.proof, b.nodes,
               coalesce(b.tx_hash, r.tx_hash) as tx_hash,
               coalesce(b.block_number, r.block_number) as block_number,
               coalesce(b.anchored_at, r.anchored_at) as anchored_at,
               r.failure, r.accepted_at
          from gateway_records r left join gateway_blocks b on b.root = r.block_root
    `,
  },
];
