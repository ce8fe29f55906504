import type { LocalAccount } from "viem";

import { InvalidArgumentError } from "./errors.js";
import type { LedgerDomain } from "./ledgerDomain.js";
import { recordTypes } from "./recordTypes.js";
import type { LedgerRecord, SignedOperation } from "./wire.js";
import { isUint32, isUint48 } from "../shared/uint48.js";

export interface SignRecordParameters {
  /** The source's key, e.g. `privateKeyToAccount(devicePrivateKey)`. */
  account: LocalAccount;
  domain: LedgerDomain;
  record: LedgerRecord;
  /** Last unix second at which the signature may be used (relayed or in a data block). */
  deadline: number;
  /**
   * The source's current signing epoch, `getSource(id).epoch` (see `readSourceEpoch`): 0 on
   * registration, one more at every suspension, reactivation, revocation and key rotation.
   * Required, with no default: a signature made in any other epoch is refused by the gateway
   * (`SIGNATURE_STALE_EPOCH`), reverts when relayed and is struck from a data block, so a silent
   * 0 would only work until the source's first status change.
   */
  epoch: number;
}

/**
 * Signs a record as a data source (EIP-712, over record, deadline and epoch) and returns the
 * operation a gateway batches into a data block or a relayer submits with `submitRecordBySig`.
 *
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for a deadline outside uint48 or an epoch
 * outside uint32 (or missing).
 *
 * @example
 * const account = privateKeyToAccount(devicePrivateKey);
 * const epoch = await readSourceEpoch({ rpcUrl, ledgerAddress, source: account.address });
 * const operation = await signRecord({
 *   account,
 *   domain: ledgerDomain(chainId, ledgerAddress),
 *   record,
 *   deadline: Math.floor(Date.now() / 1000) + 3600,
 *   epoch,
 * });
 */
export async function signRecord({
  account,
  domain,
  record,
  deadline,
  epoch,
}: SignRecordParameters): Promise<SignedOperation> {
  if (!isUint48(deadline)) {
    throw new InvalidArgumentError("deadline must be unix seconds within uint48", { deadline });
  }
  if (!isUint32(epoch)) {
    throw new InvalidArgumentError("epoch must be the source's signing epoch, a uint32", {
      epoch,
    });
  }
  const signature = await account.signTypedData({
    domain,
    types: recordTypes,
    primaryType: "Record",
    message: { ...record, deadline, epoch },
  });
  return { source: account.address, record, deadline, epoch, signature };
}
