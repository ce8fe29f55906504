import type { M2S } from "../monitoring/m2s/M2S.js";
import type { BlobStore } from "../storage/BlobStore.js";
import type { ChainAuthorizer } from "./ChainAuthorizer.js";
import type { SessionStore } from "./SessionStore.js";

/** What every U2S route handler works with; built once by `createServiceApp`. */
export interface ServiceContext {
  sessions: SessionStore;
  authorizer: ChainAuthorizer;
  /** The supervisor's event index, read only through the M2S reference point. */
  m2s: M2S;
  blobs: BlobStore;
  /** Largest accepted request body (uploads included), bytes. */
  maxBodyBytes: number;
}
