import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { bytesToHex, hexToBytes, type Hex } from "viem";

import {
  EnvelopeCommitmentMismatchError,
  EnvelopeDecryptionFailedError,
  EnvelopeHashMismatchError,
  EnvelopeMalformedError,
} from "./errors.js";
import { hashPayload } from "./hashPayload.js";
import { unwrapDataKey } from "./keyWrap.js";
import {
  SALT_BYTES,
  envelopeAssociatedData,
  hashSealedEnvelope,
  parseKeyWrap,
  parseSealedEnvelope,
  sealedCommitment,
} from "./sealedEnvelope.js";

export interface OpenPayloadParameters {
  /** The record's payload as stored (the sealed envelope), any JSON value until checked. */
  envelope: unknown;
  /** The record's data hash, from the chain or a verified receipt. */
  dataHash: Hex;
  /** This reader's key wrap of the record's data key. */
  wrap: unknown;
  /** This reader's X25519 private key (32-byte hex). */
  readerPrivateKey: Hex;
}

export interface OpenPayloadReturnType {
  /** The payload, parsed from its canonical JSON. */
  payload: unknown;
  /** The payload's canonical JSON, as it was sealed. */
  canonicalPayload: string;
  /** `hashPayload(payload)`: the hash the envelope's commitment commits to. */
  payloadHash: Hex;
  /** The salt of the commitment: with the payload it opens the commitment to anyone. */
  salt: Hex;
}

/**
 * Opens a sealed payload as its reader: checks the envelope's shape and that it hashes to the
 * record's data hash (so it is what was anchored), opens the wrap with the reader's key,
 * decrypts, and checks the plaintext against the envelope's commitment. Validate the payload
 * against the format's JSON Schema afterwards: the gateway could not.
 *
 * @throws {EnvelopeMalformedError} `ENVELOPE_MALFORMED`.
 * @throws {EnvelopeHashMismatchError} `ENVELOPE_HASH_MISMATCH`: not the anchored envelope.
 * @throws {KeyWrapInvalidError} `KEY_WRAP_INVALID`: another reader's wrap, or an altered one.
 * @throws {EnvelopeDecryptionFailedError} `ENVELOPE_DECRYPTION_FAILED`.
 * @throws {EnvelopeCommitmentMismatchError} `ENVELOPE_COMMITMENT_MISMATCH`.
 *
 * @example
 * const { payload } = openPayload({
 *   envelope: await (await fetch(`${service}/v1/records/${id}/payload`, auth)).json(),
 *   dataHash: record.dataHash,
 *   wrap: (await (await fetch(`${service}/v1/records/${id}/wrap`, auth)).json()).wrap,
 *   readerPrivateKey,
 * });
 */
export function openPayload({
  envelope: value,
  dataHash,
  wrap: wrapValue,
  readerPrivateKey,
}: OpenPayloadParameters): OpenPayloadReturnType {
  const envelope = parseSealedEnvelope(value);
  const wrap = parseKeyWrap(wrapValue);
  const actual = hashSealedEnvelope(envelope);
  if (actual !== dataHash.toLowerCase()) {
    throw new EnvelopeHashMismatchError({ expected: dataHash.toLowerCase(), actual });
  }
  const dataKey = unwrapDataKey(wrap, readerPrivateKey, actual);
  let sealed: Uint8Array;
  try {
    sealed = xchacha20poly1305(
      dataKey,
      hexToBytes(envelope.nonce),
      envelopeAssociatedData(envelope),
    ).decrypt(hexToBytes(envelope.ciphertext));
  } catch {
    throw new EnvelopeDecryptionFailedError();
  } finally {
    dataKey.fill(0);
  }
  const salt = bytesToHex(sealed.subarray(0, SALT_BYTES));
  let canonicalPayload: string;
  let payload: unknown;
  try {
    canonicalPayload = new TextDecoder("utf-8", { fatal: true }).decode(
      sealed.subarray(SALT_BYTES),
    );
    payload = JSON.parse(canonicalPayload);
  } catch {
    throw new EnvelopeMalformedError("The sealed payload is not JSON", { field: "/ciphertext" });
  }
  const payloadHash = hashPayload(payload);
  const committed = sealedCommitment(salt, payloadHash);
  if (committed !== envelope.commitment) {
    throw new EnvelopeCommitmentMismatchError({ expected: envelope.commitment, actual: committed });
  }
  return { payload, canonicalPayload, payloadHash, salt };
}
