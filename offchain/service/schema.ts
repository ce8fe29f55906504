import type { Migration } from "../storage/migrate.js";

/**
 * Tables of the service FE: SIWE nonces (single-use, short-lived) and sessions. Only a hash of a
 * session token is stored, so a leaked database cannot be replayed as sessions. Times are unix
 * milliseconds so the service clock can be injected in tests.
 */
export const serviceMigrations: Migration[] = [
  {
    id: "service-001",
    sql: `
create table svc_nonces (
  nonce text primary key,
  expires_at bigint not null
);
create table svc_sessions (
  token_hash text primary key,
  address text not null,
  expires_at bigint not null,
  created_at bigint not null
);
create index svc_sessions_expires_at on svc_sessions (expires_at)
`,
  },
  {
    // Confidential payloads (Y.4561 6.2.1, 6.2.5): a data user's signed reader key (the newest
    // statement per account), and the data key wraps per (record, reader key). Wraps are
    // ciphertext for one reader each: a leaked table reveals who may read what, not the data.
    id: "service-002",
    sql: `
create table svc_reader_keys (
  account text primary key,
  encryption_key text not null,
  issued_at bigint not null,
  signature text not null
);
create index svc_reader_keys_key on svc_reader_keys (encryption_key);
create table svc_key_wraps (
  record_id text not null,
  reader_key text not null,
  wrap text not null,
  signer text not null,
  primary key (record_id, reader_key)
)
`,
  },
];
