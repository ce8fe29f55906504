import { readFile } from "node:fs/promises";
import path from "node:path";

import { BaseError } from "../shared/BaseError.js";

/** Addresses of a deployed suite (P2R/S2P/C2P/M2P all start from these). */
export interface SuiteAddresses {
  ledger: string;
  accessRegistry: string;
}

/** Thrown when no Ignition deployment of the suite is recorded for a chain. */
export class DeploymentNotFoundError extends BaseError {
  constructor(chainId: bigint, file: string) {
    super(
      "DEPLOYMENT_NOT_FOUND",
      `No DataLedger deployment recorded for chain ${chainId}; deploy with "hardhat ignition deploy ignition/modules/DataLedger.ts" or pass --ledger`,
      { details: { chainId: chainId.toString(), file } },
    );
  }
}

/** Reads the suite's addresses from Ignition's deployment folder for `chainId`. */
export async function readSuiteAddresses(
  chainId: bigint,
  root = process.cwd(),
): Promise<SuiteAddresses> {
  const file = path.join(
    root,
    "ignition",
    "deployments",
    `chain-${chainId}`,
    "deployed_addresses.json",
  );
  let addresses: Record<string, string>;
  try {
    addresses = JSON.parse(await readFile(file, "utf8"));
  } catch {
    throw new DeploymentNotFoundError(chainId, file);
  }
  const ledger = addresses["DataLedgerModule#DataLedger"];
  const accessRegistry = addresses["DataLedgerModule#AccessRegistry"];
  if (!ledger || !accessRegistry) throw new DeploymentNotFoundError(chainId, file);
  return { ledger, accessRegistry };
}
