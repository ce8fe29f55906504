import type { LocalAccount } from "viem";

import { InvalidArgumentError } from "./errors.js";
import type { LedgerDomain } from "./ledgerDomain.js";
import { recordTypes } from "./recordTypes.js";
import type { LedgerRecord, SignedOperation } from "./types.js";
import { isUint48 } from "../shared/uint48.js";

export interface SignRecordParameters {
  /** The source's key, e.g. `privateKeyToAccount(devicePrivateKey)`. */
  account: LocalAccount;
  domain: LedgerDomain;
  record: LedgerRecord;
  /** Last unix second at which the signature may be used (relayed or in a data block). */
  deadline: number;
}

/**
 * Signs a record as a data source (EIP-712) and returns the operation a gateway batches into a
 * data block or a relayer submits with `submitRecordBySig`.
 *
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for a deadline outside uint48.
 *
 * @example
 * const account = privateKeyToAccount(devicePrivateKey);
 * const operation = await signRecord({
 *   account,
 *   domain: ledgerDomain(chainId, ledgerAddress),
 *   record,
 *   deadline: Math.floor(Date.now() / 1000) + 3600,
 * });
 */
export async function signRecord({
  account,
  domain,
  record,
  deadline,
}: SignRecordParameters): Promise<SignedOperation> {
  if (!isUint48(deadline)) {
    throw new InvalidArgumentError("deadline must be unix seconds within uint48", { deadline });
  }
  const signature = await account.signTypedData({
    domain,
    types: recordTypes,
    primaryType: "Record",
    message: { ...record, deadline },
  });
  return { source: account.address, record, deadline, signature };
}
