import type { M2S } from "../monitoring/m2s/M2S.js";
import type { LedgerDomain } from "../sdk/ledgerDomain.js";
import type { BlobStore } from "../storage/BlobStore.js";
import type { ChainAuthorizer } from "./ChainAuthorizer.js";
import type { KeyWrapStore } from "./KeyWrapStore.js";
import type { SessionStore } from "./SessionStore.js";

/** What every U2S route handler works with; built once by `createServiceApp`. */
export interface ServiceContext {
  sessions: SessionStore;
  authorizer: ChainAuthorizer;
  /** The supervisor's event index, read only through the M2S reference point. */
  m2s: M2S;
  blobs: BlobStore;
  /** Reader keys and data key wraps of confidential payloads. */
  wraps: KeyWrapStore;
  /** The ledger's EIP-712 domain: reader key statements and key wraps are signed in it. */
  domain: LedgerDomain;
  /** Largest accepted request body (uploads included), bytes. */
  maxBodyBytes: number;
}
