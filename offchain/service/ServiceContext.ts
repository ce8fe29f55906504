import type { LedgerDomain } from "../sdk/ledgerDomain.js";
import type { BlobStore } from "../storage/BlobStore.js";
import type { ChainAuthorizer } from "./ChainAuthorizer.js";
import type { KeyWrapStore } from "./KeyWrapStore.js";
import type { RecordIndex } from "./RecordIndex.js";
import type { SessionStore } from "./SessionStore.js";

/** What every U2S route handler works with; built once by `createServiceApp`. */
export interface ServiceContext {
  sessions: SessionStore;
  authorizer: ChainAuthorizer;
  index: RecordIndex;
  blobs: BlobStore;
  /** Reader keys and data key wraps of confidential payloads. */
  wraps: KeyWrapStore;
  /** The ledger's EIP-712 domain: reader key statements and key wraps are signed in it. */
  domain: LedgerDomain;
  /** Largest accepted request body (uploads included), bytes. */
  maxBodyBytes: number;
}
