import { hashTypedData, type Hex } from "viem";

import type { LedgerDomain } from "./ledgerDomain.js";
import { recordTypes } from "./recordTypes.js";
import type { LedgerRecord } from "./wire.js";

export interface HashRecordParameters {
  domain: LedgerDomain;
  record: LedgerRecord;
  deadline: number;
  /** The source's signing epoch (`getSource(id).epoch`). */
  epoch: number;
}

/**
 * The EIP-712 digest a source signs for a record, deadline and signing epoch; equals the
 * ledger's `hashRecord(record, deadline, epoch)`.
 *
 * @example
 * const digest = hashRecord({ domain: ledgerDomain(31337, ledger), record, deadline, epoch: 0 });
 */
export function hashRecord({ domain, record, deadline, epoch }: HashRecordParameters): Hex {
  return hashTypedData({
    domain,
    types: recordTypes,
    primaryType: "Record",
    message: { ...record, deadline, epoch },
  });
}
