import type { Migration } from "../../storage/migrate.js";

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
  {
    // Throughput again: packing rewrote every record row (status, root, leaf index, payload
    // cleared), and that update and the read before it cost the database more than the insert.
    // From here a block-mode record row is written once. A block owns a range of the outbox's
    // sequence: its members are the block-mode records with `first_seq <= seq <= last_seq`,
    // and a block-mode record after the last block's range is waiting to be packed. That holds
    // because the gateway inserts records one statement at a time (OutboxWriter), so rows
    // commit in sequence order and no later commit can land inside a packed range.
    //
    // Rows packed before this step keep their explicit root; records waiting in an outbox of
    // that time move to the end of the sequence, past every block.
    id: "representation-003-block-seq-ranges",
    sql: `
      alter table gateway_blocks add column first_seq bigint;
      alter table gateway_blocks add column last_seq bigint;
      update gateway_blocks b set first_seq = m.lo, last_seq = m.hi
        from (select block_root, min(seq) as lo, max(seq) as hi from gateway_records
               where block_root is not null group by block_root) m
       where b.root = m.block_root;
      update gateway_records r set seq = w.next
        from (select record_id, nextval(pg_get_serial_sequence('gateway_records', 'seq')) as next
                from (select record_id from gateway_records
                       where status = 'accepted' and mode = 'block' order by seq) o) w
       where r.record_id = w.record_id;
      create unique index gateway_blocks_last_seq on gateway_blocks (last_seq);
      create index gateway_blocks_open on gateway_blocks (status) where status in ('packed', 'submitted');
      alter table gateway_records drop constraint gateway_records_block_root_leaf_index_key;
      drop index gateway_records_accepted;
      create index gateway_records_relayed_open on gateway_records (accepted_at)
        where mode = 'relayed' and status = 'accepted';
      drop view gateway_record_states;
      create view gateway_record_states as
        select r.record_id, r.seq, r.mode, r.operation, r.operation_hash,
               case when r.mode = 'relayed' then r.status else coalesce(b.status, 'accepted') end
                 as status,
               b.root as block_root, r.leaf_index, r.proof, b.nodes,
               coalesce(b.tx_hash, r.tx_hash) as tx_hash,
               coalesce(b.block_number, r.block_number) as block_number,
               coalesce(b.anchored_at, r.anchored_at) as anchored_at,
               r.failure, r.accepted_at
          from gateway_records r
          left join lateral (
            select b1.root, b1.status, b1.nodes, b1.tx_hash, b1.block_number, b1.anchored_at
              from gateway_blocks b1 where b1.root = r.block_root
            union all
            select b2.root, b2.status, b2.nodes, b2.tx_hash, b2.block_number, b2.anchored_at
              from (select * from gateway_blocks b
                     where r.mode = 'block' and r.block_root is null and b.last_seq >= r.seq
                     order by b.last_seq limit 1) b2
             where b2.first_seq <= r.seq
          ) b on true
    `,
  },
];
