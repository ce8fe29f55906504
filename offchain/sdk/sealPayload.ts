import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { bytesToHex, isHex, keccak256, size, type Hex } from "viem";

import { canonicalJson } from "./canonicalJson.js";
import { InvalidArgumentError } from "./errors.js";
import { wrapDataKey } from "./keyWrap.js";
import {
  NONCE_BYTES,
  SALT_BYTES,
  SEALED_ENVELOPE_ALGORITHM,
  SEALED_ENVELOPE_VERSION,
  envelopeAssociatedData,
  hashSealedEnvelope,
  sealedCommitment,
  type KeyWrap,
  type SealedEnvelope,
} from "./sealedEnvelope.js";

export interface SealPayloadParameters {
  /** The data item, any JSON value; sealed in its canonical form. */
  payload: unknown;
  /**
   * X25519 public keys (32-byte hex) of everyone who may read it: the dataset's readers, and the
   * operator's key if the readers are to be re-wrapped later (`rewrapDataKey`).
   */
  readerKeys: readonly Hex[];
}

export interface SealPayloadReturnType {
  /** What the record carries as its payload (`createRecord({ payload: envelope, … })`). */
  envelope: SealedEnvelope;
  /** `hashSealedEnvelope(envelope)`: the record's data hash. */
  dataHash: Hex;
  /** One wrap of the data key per reader key, in the order given; never anchored. */
  wraps: KeyWrap[];
}

/**
 * Seals a payload on the device before it leaves it (Y.4561 6.2.1, 6.2.5): a fresh 32-byte data
 * key and nonce, the salted canonical payload under XChaCha20-Poly1305, a commitment to the
 * payload's hash, and the data key wrapped for each reader key (ECIES over X25519). The data key
 * is dropped when this returns; only the readers' private keys open the wraps.
 *
 * @throws {PayloadNotCanonicalizableError} `PAYLOAD_NOT_CANONICALIZABLE`.
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for no reader key, or one that is not
 * a usable X25519 public key.
 *
 * @example
 * const { envelope, dataHash, wraps } = sealPayload({
 *   payload: { heartRate: 71 },
 *   readerKeys: [readerPublicKey],
 * });
 * const { record } = createRecord({ payload: envelope, formatId });
 * // record.dataHash === dataHash; send the wraps to the service (PUT /v1/records/{id}/wraps)
 */
export function sealPayload({ payload, readerKeys }: SealPayloadParameters): SealPayloadReturnType {
  // Sealed for nobody, a payload could never be read again, not even re-wrapped.
  if (readerKeys.length === 0) {
    throw new InvalidArgumentError("Seal for at least one reader key", { readerKeys: [] });
  }
  for (const key of readerKeys) {
    if (!isHex(key, { strict: true }) || size(key) !== 32) {
      throw new InvalidArgumentError("A reader key must be 32 bytes of hex", { readerKey: key });
    }
  }
  const plaintext = new TextEncoder().encode(canonicalJson(payload));
  const salt = randomBytes(SALT_BYTES);
  const dataKey = randomBytes(32);
  const nonce = randomBytes(NONCE_BYTES);
  // keccak256 of the canonical bytes is hashPayload(payload), without canonicalising twice.
  const commitment = sealedCommitment(bytesToHex(salt), keccak256(plaintext));
  const header = {
    version: SEALED_ENVELOPE_VERSION,
    algorithm: SEALED_ENVELOPE_ALGORITHM,
    commitment,
  } as const;
  const sealed = new Uint8Array(SALT_BYTES + plaintext.length);
  sealed.set(salt, 0);
  sealed.set(plaintext, SALT_BYTES);
  const ciphertext = xchacha20poly1305(dataKey, nonce, envelopeAssociatedData(header)).encrypt(
    sealed,
  );
  const envelope: SealedEnvelope = {
    ...header,
    nonce: bytesToHex(nonce),
    ciphertext: bytesToHex(ciphertext),
  };
  const dataHash = hashSealedEnvelope(envelope);
  try {
    const wraps = readerKeys.map((key) => wrapDataKey(dataKey, key, dataHash));
    return { envelope, dataHash, wraps };
  } finally {
    dataKey.fill(0);
  }
}
