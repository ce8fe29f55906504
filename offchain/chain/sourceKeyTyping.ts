import { TypedDataEncoder, type Signer, type TypedDataDomain } from "ethers";

import { sourceKeyTypes } from "../sdk/sourceKeyTypes.js";

/**
 * ethers flavour of the SDK's source key proof (`signSourceKey`), for Hardhat scripts, the
 * benchmark and tests whose keys are ethers signers. The type list comes from the SDK, so both
 * sign exactly what the ledger's `SourceKeyHashing` hashes.
 */
export const SOURCE_KEY_TYPES = sourceKeyTypes;

/** The EIP-712 digest `key` signs to be bound to a source of `owner` (`SourceKey(key, owner)`). */
export function sourceKeyDigest(domain: TypedDataDomain, key: string, owner: string): string {
  return TypedDataEncoder.hash(domain, mutableSourceKeyTypes(), { key, owner });
}

/**
 * `signer`'s proof of possession of its own key for a source of `owner` on `domain`'s ledger: the
 * `keyProof` of `registerSource` and `rotateSourceKey`.
 *
 * @example
 * const proof = await signSourceKeyWithEthers(device, ledgerDomain(chainId, ledger), owner.address);
 * await ledger.registerSource(device.address, owner.address, metadataHash, uri, [formatId], proof);
 */
export async function signSourceKeyWithEthers(
  signer: Signer,
  domain: TypedDataDomain,
  owner: string,
): Promise<string> {
  return signer.signTypedData(domain, mutableSourceKeyTypes(), {
    key: await signer.getAddress(),
    owner,
  });
}

/** ethers wants mutable arrays; the SDK's constant stays readonly. */
function mutableSourceKeyTypes() {
  return { SourceKey: SOURCE_KEY_TYPES.SourceKey.map((f) => ({ ...f })) };
}
