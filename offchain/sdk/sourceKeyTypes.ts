/**
 * EIP-712 types of a source key's proof of possession (Y.4561 clause 8.1, key binding), as the
 * ledger's `SourceKeyHashing.SOURCE_KEY_TYPEHASH` spells them: `SourceKey(address key,address owner)`.
 * The key signs it to accept being bound to a source of `owner`; `registerSource` and
 * `rotateSourceKey` refuse a key without it (`SourceRegistryInvalidKeyProof`).
 *
 * @example
 * hashTypedData({ domain, types: sourceKeyTypes, primaryType: "SourceKey", message: { key, owner } });
 */
export const sourceKeyTypes = {
  SourceKey: [
    { name: "key", type: "address" },
    { name: "owner", type: "address" },
  ],
} as const;
