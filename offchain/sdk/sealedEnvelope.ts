import { isHex, keccak256, size, type Hex } from "viem";

import { EnvelopeMalformedError } from "./errors.js";
import { hashPayload } from "./hashPayload.js";

/**
 * The one version of the sealed envelope; a reader refuses any other rather than guess.
 */
export const SEALED_ENVELOPE_VERSION = 1;

/**
 * The suite, named in the envelope so that a later one is a new name, never a reinterpretation:
 * the payload under XChaCha20-Poly1305 with a fresh 32-byte data key, the data key wrapped per
 * reader by ECIES over X25519 (ECDH, HKDF-SHA256, XChaCha20-Poly1305). All from `@noble/*`.
 */
export const SEALED_ENVELOPE_ALGORITHM = "x25519-hkdf-sha256/xchacha20poly1305";

/** Bytes of an XChaCha20 nonce: random nonces this long never collide in practice. */
export const NONCE_BYTES = 24;
/** Bytes of the salt sealed with the payload, which keeps the commitment from being guessed. */
export const SALT_BYTES = 32;
/** Bytes of a Poly1305 tag. */
export const TAG_BYTES = 16;

/**
 * A confidential payload as it is stored and anchored (Y.4561 6.2.1, 6.2.5): the record's payload
 * is this JSON object, so its data hash is `hashPayload(envelope)`, the same rule as any payload
 * (`hashSealedEnvelope`). It holds no key wraps: those live beside it (`KeyWrap`), so readers can
 * change without re-encrypting and without changing what is anchored.
 */
export interface SealedEnvelope {
  version: typeof SEALED_ENVELOPE_VERSION;
  algorithm: typeof SEALED_ENVELOPE_ALGORITHM;
  /** XChaCha20 nonce (24 bytes). */
  nonce: Hex;
  /** Encryption of `salt ‖ canonical JSON of the payload` with its 16-byte tag at the end. */
  ciphertext: Hex;
  /**
   * `keccak256(salt ‖ hashPayload(payload))`: what a reader checks the decrypted payload against,
   * and can later open to a third party (salt and payload) without handing over any key.
   */
  commitment: Hex;
}

/**
 * A record's data key wrapped for one reader's X25519 public key (ECIES). Not anchored: the
 * service keeps one per (record, reader) and hands it only to a reader with a live grant.
 */
export interface KeyWrap {
  /** The reader's X25519 public key (32 bytes) the wrap is for. */
  readerKey: Hex;
  /** The sender's one-time X25519 public key (32 bytes). */
  ephemeralKey: Hex;
  /** XChaCha20 nonce (24 bytes). */
  nonce: Hex;
  /** The 32-byte data key under the derived key encryption key, tag included (48 bytes). */
  wrappedKey: Hex;
}

const ENVELOPE_KEYS = ["algorithm", "ciphertext", "commitment", "nonce", "version"];
const WRAP_KEYS = ["ephemeralKey", "nonce", "readerKey", "wrappedKey"];

/**
 * The data hash of a sealed envelope: keccak256 of its RFC 8785 canonical JSON, i.e.
 * `hashPayload(envelope)`. Named so that every party (device, gateway, reader) uses the one rule;
 * it covers version, algorithm, nonce, ciphertext and commitment, and nothing about readers.
 *
 * @example
 * const { envelope } = sealPayload({ payload, readerKeys });
 * hashSealedEnvelope(envelope) === record.dataHash;
 */
export function hashSealedEnvelope(envelope: SealedEnvelope): Hex {
  return hashPayload(envelope);
}

/**
 * The associated data of the payload's encryption: the envelope's other fields, so a changed
 * version, algorithm or commitment fails decryption as surely as a changed ciphertext.
 */
export function envelopeAssociatedData(
  envelope: Pick<SealedEnvelope, "version" | "algorithm" | "commitment">,
): Uint8Array {
  return new TextEncoder().encode(
    `${envelope.version}\n${envelope.algorithm}\n${envelope.commitment.toLowerCase()}`,
  );
}

/**
 * `keccak256(salt ‖ payloadHash)`: the sealed envelope's commitment to its plaintext.
 *
 * @example
 * sealedCommitment(salt, hashPayload(payload)) === envelope.commitment;
 */
export function sealedCommitment(salt: Hex, payloadHash: Hex): Hex {
  return keccak256(`0x${salt.slice(2)}${payloadHash.slice(2)}`);
}

/**
 * Checks that a value is a sealed envelope as this version defines it, exactly: the five fields,
 * nothing else (an extra field would change the data hash without changing what a reader
 * reads), hex of the right lengths, a ciphertext holding at least the salt and the tag. What the
 * gateway can check of a payload it cannot read.
 *
 * @throws {EnvelopeMalformedError} `ENVELOPE_MALFORMED`, with the offending field.
 *
 * @example
 * const envelope = parseSealedEnvelope(JSON.parse(body));
 */
export function parseSealedEnvelope(value: unknown): SealedEnvelope {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EnvelopeMalformedError("A sealed envelope is a JSON object", { field: "" });
  }
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields).sort();
  if (keys.length !== ENVELOPE_KEYS.length || keys.some((k, i) => k !== ENVELOPE_KEYS[i])) {
    throw new EnvelopeMalformedError("A sealed envelope has exactly its five fields", {
      field: "",
      expected: ENVELOPE_KEYS,
      actual: keys,
    });
  }
  if (fields.version !== SEALED_ENVELOPE_VERSION) {
    throw new EnvelopeMalformedError("Unknown envelope version", { field: "/version" });
  }
  if (fields.algorithm !== SEALED_ENVELOPE_ALGORITHM) {
    throw new EnvelopeMalformedError("Unknown envelope algorithm", { field: "/algorithm" });
  }
  hexOf(fields, "nonce", NONCE_BYTES);
  hexOf(fields, "commitment", 32);
  const ciphertext = hexOf(fields, "ciphertext");
  if (size(ciphertext) < SALT_BYTES + TAG_BYTES) {
    throw new EnvelopeMalformedError("The ciphertext is shorter than a salt and a tag", {
      field: "/ciphertext",
    });
  }
  return fields as unknown as SealedEnvelope;
}

/**
 * Checks that a value is a key wrap: its four fields and nothing else, hex of the right lengths.
 *
 * @throws {EnvelopeMalformedError} `ENVELOPE_MALFORMED`, with the offending field.
 *
 * @example
 * const wrap = parseKeyWrap(await response.json());
 */
export function parseKeyWrap(value: unknown): KeyWrap {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EnvelopeMalformedError("A key wrap is a JSON object", { field: "" });
  }
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields).sort();
  if (keys.length !== WRAP_KEYS.length || keys.some((k, i) => k !== WRAP_KEYS[i])) {
    throw new EnvelopeMalformedError("A key wrap has exactly its four fields", {
      field: "",
      expected: WRAP_KEYS,
      actual: keys,
    });
  }
  hexOf(fields, "readerKey", 32);
  hexOf(fields, "ephemeralKey", 32);
  hexOf(fields, "nonce", NONCE_BYTES);
  hexOf(fields, "wrappedKey", 32 + TAG_BYTES);
  return fields as unknown as KeyWrap;
}

function hexOf(fields: Record<string, unknown>, name: string, bytes?: number): Hex {
  const value = fields[name];
  // Lower case only: one spelling per envelope, so one data hash per sealed payload.
  if (
    typeof value !== "string" ||
    !isHex(value, { strict: true }) ||
    value !== value.toLowerCase()
  ) {
    throw new EnvelopeMalformedError(`${name} must be lower-case hex`, { field: `/${name}` });
  }
  if (value.length % 2 !== 0 || (bytes !== undefined && size(value) !== bytes)) {
    throw new EnvelopeMalformedError(`${name} has the wrong length`, {
      field: `/${name}`,
      expectedBytes: bytes,
    });
  }
  return value;
}
