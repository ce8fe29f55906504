import type { Provider } from "ethers";

import type { C2RClient } from "../../control/c2r.js";
import type { BlobStore } from "../../storage/BlobStore.js";
import type { Database } from "../../storage/Database.js";
import type { SessionStore } from "../SessionStore.js";

/** What the O2C routes of the service FE work with; built once by `createServiceApp`. */
export interface O2CContext {
  provider: Provider;
  ledger: string;
  accessRegistry: string;
  /** The chain's id, read once: plans name it and the relay checks it. */
  chainId: () => Promise<bigint>;
  /** Where event replays start (the suite's deployment block); 0 when unknown. */
  fromBlock: number;
  /** The service's own sessions: C2S changes their lifetime, the configuration check reads them. */
  sessions: SessionStore;
  db: Database;
  blobs: BlobStore;
  now: () => number;
  /** The C2R client of the gateway, when the service was given its URL and control token. */
  gateway?: C2RClient;
  /** The gateway's chain account, for the configuration check's role and balance findings. */
  gatewayAddress?: string;
}
