import { isAddress, type Address, type Hex, type LocalAccount } from "viem";

import { InvalidArgumentError } from "./errors.js";
import type { LedgerDomain } from "./ledgerDomain.js";
import { sourceKeyTypes } from "./sourceKeyTypes.js";

export interface SignSourceKeyParameters {
  /** The device's signing key, the one to be bound, e.g. `privateKeyToAccount(devicePrivateKey)`. */
  account: LocalAccount;
  /**
   * The account the key accepts as its source's owner: the `owner` of `registerSource`, or the
   * existing source's owner for `rotateSourceKey` (also when an operator rotates).
   */
  owner: Address;
  domain: LedgerDomain;
}

/**
 * Signs the device key's proof of possession (EIP-712 `SourceKey(address key,address owner)` in
 * the ledger's domain): the `keyProof` an operator passes to `registerSource`, or an owner or
 * operator to `rotateSourceKey`. It binds the key to `owner` on this ledger and chain only, and
 * works once (a bound key is never bound again).
 *
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for an owner that is not an address.
 *
 * @example
 * const device = privateKeyToAccount(devicePrivateKey);
 * const keyProof = await signSourceKey({
 *   account: device,
 *   owner: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
 *   domain: ledgerDomain(chainId, ledgerAddress),
 * });
 * // operator: registerSource(device.address, owner, metadataHash, metadataURI, formatIds, keyProof)
 */
export async function signSourceKey({
  account,
  owner,
  domain,
}: SignSourceKeyParameters): Promise<Hex> {
  if (!isAddress(owner, { strict: false })) {
    throw new InvalidArgumentError("owner must be an address", { owner });
  }
  return account.signTypedData({
    domain,
    types: sourceKeyTypes,
    primaryType: "SourceKey",
    message: { key: account.address, owner },
  });
}
