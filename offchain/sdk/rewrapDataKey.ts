import { type Hex } from "viem";

import { InvalidArgumentError } from "./errors.js";
import { unwrapDataKey, wrapDataKey } from "./keyWrap.js";
import { parseKeyWrap, type KeyWrap } from "./sealedEnvelope.js";

export interface RewrapDataKeyParameters {
  /** The record's data hash (the envelope's hash; every wrap is bound to it). */
  dataHash: Hex;
  /** A wrap the caller can open: the operator's or dataset's own. */
  wrap: unknown;
  /** The X25519 private key that opens `wrap`. */
  privateKey: Hex;
  /** The new readers' X25519 public keys. */
  readerKeys: readonly Hex[];
}

/**
 * Wraps a record's data key for a new set of readers without touching the envelope: the anchored
 * data hash and the ciphertext stay as they are, only new wraps are made (Y.4561 6.2.5, a grant
 * to a new data user). Needs a wrap the caller can open, so the device seals for the operator's
 * key too when readers are to change later.
 *
 * @throws {KeyWrapInvalidError} `KEY_WRAP_INVALID` when `privateKey` does not open `wrap`.
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for a reader key that is not 32 bytes.
 *
 * @example
 * const wraps = rewrapDataKey({ dataHash, wrap: operatorWrap, privateKey: operatorKey, readerKeys: [newReader] });
 */
export function rewrapDataKey({
  dataHash,
  wrap,
  privateKey,
  readerKeys,
}: RewrapDataKeyParameters): KeyWrap[] {
  const dataKey = unwrapDataKey(parseKeyWrap(wrap), privateKey, dataHash.toLowerCase() as Hex);
  try {
    return readerKeys.map((key) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
        throw new InvalidArgumentError("A reader key must be 32 bytes of hex", { readerKey: key });
      }
      return wrapDataKey(dataKey, key, dataHash.toLowerCase() as Hex);
    });
  } finally {
    dataKey.fill(0);
  }
}
