import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/ciphers/utils.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, type Hex } from "viem";

import { InvalidArgumentError, KeyWrapInvalidError } from "./errors.js";
import { NONCE_BYTES, type KeyWrap } from "./sealedEnvelope.js";

const WRAP_INFO = new TextEncoder().encode("DataLedger key wrap v1");

/**
 * ECIES over X25519: a one-time key pair, ECDH with the reader's key, HKDF-SHA256 over the shared
 * secret (salted with both public keys, so the KEK is bound to this pair) and XChaCha20-Poly1305
 * of the data key with the envelope's data hash as associated data, so a wrap opens only for the
 * envelope it was made for. Every primitive is `@noble/*`; only the composition is ours.
 *
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for a reader key that is a low-order point.
 *
 * @example
 * const wrap = wrapDataKey(dataKey, readerKey, dataHash);
 */
export function wrapDataKey(dataKey: Uint8Array, readerKey: Hex, dataHash: Hex): KeyWrap {
  const reader = hexToBytes(readerKey);
  const ephemeralSecret = x25519.utils.randomPrivateKey();
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(ephemeralSecret, reader);
  } catch (cause) {
    // A low-order point gives an all-zero secret, which noble refuses: no one could open it.
    throw new InvalidArgumentError("The reader key is not a usable X25519 public key", {
      readerKey,
      cause: String(cause),
    });
  }
  const kek = keyEncryptionKey(shared, ephemeral, reader);
  const nonce = randomBytes(NONCE_BYTES);
  const wrappedKey = xchacha20poly1305(kek, nonce, hexToBytes(dataHash)).encrypt(dataKey);
  return {
    readerKey: bytesToHex(reader),
    ephemeralKey: bytesToHex(ephemeral),
    nonce: bytesToHex(nonce),
    wrappedKey: bytesToHex(wrappedKey),
  };
}

/**
 * Opens a key wrap with the reader's X25519 private key.
 *
 * @throws {KeyWrapInvalidError} `KEY_WRAP_INVALID` for a wrap made for another key or another
 * envelope, or altered in any byte.
 *
 * @example
 * const dataKey = unwrapDataKey(wrap, readerPrivateKey, dataHash);
 */
export function unwrapDataKey(wrap: KeyWrap, readerPrivateKey: Hex, dataHash: Hex): Uint8Array {
  const secret = hexToBytes(readerPrivateKey);
  const reader = x25519.getPublicKey(secret);
  if (bytesToHex(reader) !== wrap.readerKey.toLowerCase()) {
    throw new KeyWrapInvalidError({ reason: "for another reader key", readerKey: wrap.readerKey });
  }
  try {
    const ephemeral = hexToBytes(wrap.ephemeralKey);
    const kek = keyEncryptionKey(x25519.getSharedSecret(secret, ephemeral), ephemeral, reader);
    return xchacha20poly1305(kek, hexToBytes(wrap.nonce), hexToBytes(dataHash)).decrypt(
      hexToBytes(wrap.wrappedKey),
    );
  } catch (cause) {
    throw new KeyWrapInvalidError({ reason: "does not decrypt", cause: String(cause) });
  }
}

function keyEncryptionKey(shared: Uint8Array, ephemeral: Uint8Array, reader: Uint8Array) {
  const salt = new Uint8Array(64);
  salt.set(ephemeral, 0);
  salt.set(reader, 32);
  return hkdf(sha256, shared, salt, WRAP_INFO, 32);
}
