import type { Migration } from "../../storage/migrate.js";

/**
 * Tables of the supervisor's event index (Ponder's `ponder.schema.ts`). Every row derived from a
 * log carries the log's (block_hash, log_index) as its key, so replaying a range is a no-op, and
 * its block_number, so rolling back an orphaned block is one `delete … where block_number >= n`
 * per table. Current states (record revoked, block disputed, dataset membership) are not written
 * in place but derived from the change rows at read time; a rollback therefore never has to
 * reconstruct an earlier state.
 *
 * `idx_records` keys a record by `record_id` (source key, data hash, sampling time; see
 * `sdk/recordId`), which is not unique there: a block leaf may repeat a reading anchored on its
 * own or in another block. Many records share a `data_hash` (two sources, one payload), so that
 * stays indexed for search and verification. The subject of a record's status change is its
 * record id, of a block's its block id (`dataBlockId(gateway, root)`, data block protocol v3).
 */
export const monitoringMigrations: Migration[] = [
  {
    id: "monitoring-001",
    sql: `
create table idx_checkpoint (
  id text primary key,
  chain_id bigint not null,
  block_number bigint not null,
  finalized_block bigint not null,
  updated_at timestamptz not null default now()
);
create table idx_blocks (
  number bigint primary key,
  hash text not null,
  timestamp bigint not null
);
create table idx_events (
  block_hash text not null,
  log_index integer not null,
  block_number bigint not null,
  tx_hash text not null,
  contract text not null,
  address text not null,
  event_name text not null,
  args jsonb not null,
  timestamp bigint not null,
  primary key (block_hash, log_index)
);
create index idx_events_block_number on idx_events (block_number);
create index idx_events_event_name on idx_events (event_name, block_number);
create table idx_source_keys (
  block_hash text not null,
  log_index integer not null,
  block_number bigint not null,
  source_id bigint not null,
  key text not null,
  primary key (block_hash, log_index)
);
create index idx_source_keys_key on idx_source_keys (key);
create table idx_data_blocks (
  block_hash text not null,
  log_index integer not null,
  block_number bigint not null,
  tx_hash text not null,
  root text not null,
  gateway text not null,
  count integer not null,
  first_sampled_at bigint not null,
  last_sampled_at bigint not null,
  uri text not null,
  verification text not null,
  reason text,
  anchored_at bigint not null,
  primary key (block_hash, log_index)
);
create index idx_data_blocks_root on idx_data_blocks (root);
create table idx_records (
  block_hash text not null,
  log_index integer not null,
  leaf_index integer not null,
  block_number bigint not null,
  tx_hash text not null,
  kind text not null,
  record_id text not null,
  data_hash text not null,
  source_key text not null,
  source_id bigint,
  format_id text not null,
  metadata_hash text not null,
  sampled_at bigint not null,
  uri text not null,
  block_root text,
  leaf text,
  proof jsonb,
  deadline bigint,
  signature text,
  anchored_at bigint not null,
  primary key (block_hash, log_index, leaf_index)
);
create index idx_records_record_id on idx_records (record_id);
create index idx_records_data_hash on idx_records (data_hash);
create index idx_records_leaf on idx_records (block_root, leaf);
create index idx_records_order on idx_records (block_number, log_index, leaf_index);
create index idx_records_source on idx_records (source_id, format_id);
create index idx_records_sampled_at on idx_records (sampled_at);
create table idx_status_changes (
  block_hash text not null,
  log_index integer not null,
  block_number bigint not null,
  tx_hash text not null,
  subject text not null,
  status text not null,
  reason integer,
  related text,
  actor text not null,
  primary key (block_hash, log_index)
);
create index idx_status_changes_subject on idx_status_changes (subject);
create table idx_dataset_members (
  block_hash text not null,
  log_index integer not null,
  block_number bigint not null,
  dataset_id bigint not null,
  member_type text not null,
  member text not null,
  included boolean not null,
  primary key (block_hash, log_index)
);
create index idx_dataset_members_dataset on idx_dataset_members (dataset_id, member_type)
`,
  },
  {
    // Signing epochs (the ledger's SourceEpochChanged): a source's epoch at any log is the last
    // change before it, 0 before any. A record row keeps the epoch its signature was made in (a
    // block leaf's from the document, a relayed record's the source's then), so its receipt
    // verifies; null for direct records and for rows indexed before this step.
    id: "monitoring-002-signing-epochs",
    sql: `
create table idx_source_epochs (
  block_hash text not null,
  log_index integer not null,
  block_number bigint not null,
  source_id bigint not null,
  epoch bigint not null,
  primary key (block_hash, log_index)
);
create index idx_source_epochs_source on idx_source_epochs (source_id, block_number, log_index);
alter table idx_records add column epoch bigint
`,
  },
  {
    // Data block protocol v3: a block is keyed by dataBlockId(gateway, root), not its root (two
    // gateways may anchor one root), and records the chain id its signatures are judged under.
    // A leaf row names its block by id; leaf_index is its position in the block's tree. A
    // verified block may carry the reason COUNT_TOO_HIGH: its document lists fewer operations
    // than its count and the slots in between are empty (the judge's challengeCount proves it).
    id: "monitoring-003-data-block-ids",
    sql: `
alter table idx_data_blocks add column block_id text;
alter table idx_data_blocks add column chain_id bigint;
create index idx_data_blocks_block_id on idx_data_blocks (block_id);
alter table idx_records add column block_id text;
create index idx_records_block_leaf on idx_records (block_id, leaf)
`,
  },
];

/** Every table holding rows derived from logs, in the order a rollback deletes them. */
export const logDerivedTables = [
  "idx_records",
  "idx_data_blocks",
  "idx_status_changes",
  "idx_dataset_members",
  "idx_source_epochs",
  "idx_source_keys",
  "idx_events",
] as const;
