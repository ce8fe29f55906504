import { recoverTypedDataAddress, type Address, type Hex, type LocalAccount } from "viem";

import { hashPayload } from "./hashPayload.js";
import type { LedgerDomain } from "./ledgerDomain.js";
import type { KeyWrap } from "./sealedEnvelope.js";

/**
 * EIP-712 types of a set of key wraps handed to the service for one record:
 * `KeyWraps(bytes32 recordId,bytes32 wrapsHash)`, `wrapsHash = hashPayload(wraps)` (keccak256 of
 * the wraps' canonical JSON). The record's source key signs the wraps it made when sealing; an
 * operator signs re-wraps. The service stores wraps only under one of these signatures, so
 * nobody else can plant or replace a reader's wrap.
 *
 * @example
 * hashTypedData({ domain, types: keyWrapsTypes, primaryType: "KeyWraps", message });
 */
export const keyWrapsTypes = {
  KeyWraps: [
    { name: "recordId", type: "bytes32" },
    { name: "wrapsHash", type: "bytes32" },
  ],
} as const;

/**
 * Signs the key wraps of one record for `PUT /v1/records/{recordId}/wraps`.
 *
 * @example
 * const signature = await signKeyWraps({ account: device, domain, recordId: id, wraps });
 */
export function signKeyWraps({
  account,
  domain,
  recordId,
  wraps,
}: {
  account: LocalAccount;
  domain: LedgerDomain;
  recordId: Hex;
  wraps: readonly KeyWrap[];
}): Promise<Hex> {
  return account.signTypedData({
    domain,
    types: keyWrapsTypes,
    primaryType: "KeyWraps",
    message: { recordId, wrapsHash: hashPayload(wraps) },
  });
}

/**
 * The account that signed these wraps of this record in this ledger's domain.
 *
 * @example
 * const signer = await recoverKeyWrapsSigner({ domain, recordId, wraps, signature });
 */
export function recoverKeyWrapsSigner({
  domain,
  recordId,
  wraps,
  signature,
}: {
  domain: LedgerDomain;
  recordId: Hex;
  wraps: readonly KeyWrap[];
  signature: Hex;
}): Promise<Address> {
  return recoverTypedDataAddress({
    domain,
    types: keyWrapsTypes,
    primaryType: "KeyWraps",
    message: { recordId, wrapsHash: hashPayload(wraps) },
    signature,
  });
}
