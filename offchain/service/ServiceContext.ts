import type { BlobStore } from "../storage/BlobStore.js";
import type { ChainAuthorizer } from "./ChainAuthorizer.js";
import type { RecordIndex } from "./RecordIndex.js";
import type { SessionStore } from "./SessionStore.js";

/** What every U2S route handler works with; built once by `createServiceApp`. */
export interface ServiceContext {
  sessions: SessionStore;
  authorizer: ChainAuthorizer;
  index: RecordIndex;
  blobs: BlobStore;
  /** Largest accepted request body (uploads included), bytes. */
  maxBodyBytes: number;
}
