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
];
