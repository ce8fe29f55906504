import type { Hex } from "viem";

import { canonicalJson } from "../../sdk/canonicalJson.js";
import type { SignedOperation } from "../../sdk/wire.js";
import { checksumAddress, keccak256Hex } from "../../shared/keccak.js";
import { operationJson } from "./operationJson.js";
import { operationRecordId } from "../recordHashing.js";
import { RejectionError } from "./RejectionError.js";
import type { Submission } from "../http/schemas.js";

/** A submission reduced to what the outbox stores: one spelling per operation, hashed payload. */
export interface NormalizedSubmission {
  /**
   * The record id, `recordIdOf(source, dataHash, sampledAt)` (lower-case hex): the outbox's key.
   * One source's statement about one reading, so the same payload from another source, or from
   * this source at another sampling time, is another record; an exact retry is the same one.
   */
  recordId: Hex;
  /**
   * The path it is anchored by: the mode asked, until validation finds a format with unique
   * data hashes, whose records are always relayed.
   */
  mode: "block" | "relayed";
  operation: SignedOperation;
  /**
   * keccak256 of the normalized operation and the mode asked: equal hashes mean "the same
   * submission".
   */
  operationHash: Hex;
  /** The canonical payload bytes, whose keccak256 is the data hash; stored in the BlobStore. */
  payloadBytes: Uint8Array;
  /** The same canonical payload as text (what the outbox row holds until the block is packed). */
  payloadText: string;
  /** Canonical JSON of `operation` (RFC 8785), made once for the outbox row and block document. */
  operationJson: string;
}

/**
 * The local, chain-free part of R2D validation (Y.4561 7.1.1 "hashing"): the payload must have a
 * canonical form within the size limit, and its hash must be the record's data hash. Hex is
 * lower-cased and the source checksummed so that a retry spelled differently is recognised as the
 * same submission.
 *
 * @throws {RejectionError} MALFORMED_JSON, PAYLOAD_TOO_LARGE, DATA_HASH_MISMATCH.
 *
 * @example
 * const normalized = normalizeSubmission(submission, 64 * 1024);
 */
export function normalizeSubmission(
  submission: Submission,
  maxPayloadBytes: number,
): NormalizedSubmission {
  let canonical: string;
  try {
    canonical = canonicalJson(submission.payload);
  } catch (cause) {
    throw new RejectionError(
      "MALFORMED_JSON",
      "Payload has no canonical JSON form",
      { field: "/payload" },
      cause,
    );
  }
  const payloadBytes = Buffer.from(canonical, "utf8");
  if (payloadBytes.length > maxPayloadBytes) {
    throw new RejectionError("PAYLOAD_TOO_LARGE", "Payload exceeds the gateway's limit", {
      size: payloadBytes.length,
      limit: maxPayloadBytes,
    });
  }
  const { operation: raw } = submission;
  const dataHash = raw.record.dataHash.toLowerCase() as Hex;
  const actual = keccak256Hex(payloadBytes);
  if (actual !== dataHash) {
    throw new RejectionError(
      "DATA_HASH_MISMATCH",
      "The payload's canonical hash is not record.dataHash",
      { expected: dataHash, actual },
    );
  }
  const operation: SignedOperation = {
    source: checksumAddress(raw.source),
    record: {
      dataHash,
      formatId: raw.record.formatId.toLowerCase() as Hex,
      metadataHash: raw.record.metadataHash.toLowerCase() as Hex,
      sampledAt: raw.record.sampledAt,
      uri: raw.record.uri,
    },
    deadline: raw.deadline,
    epoch: raw.epoch,
    signature: raw.signature.toLowerCase() as Hex,
  };
  const mode = submission.mode ?? "block";
  return {
    // The SDK's preimage through the fast keccak (~2 µs): the same rule as recordId() and the
    // ledger's recordIdOf, with no ABI encoder on the hot path.
    recordId: operationRecordId(operation),
    mode,
    operation,
    operationHash: operationHash(mode, operation),
    payloadBytes,
    payloadText: canonical,
    operationJson: operationJson(operation),
  };
}

/**
 * keccak256 of the normalized fields in a fixed order: JSON of an array is unambiguous (strings
 * are escaped, numbers are integers) and several times cheaper than canonical JSON of an object.
 */
function operationHash(
  mode: string,
  { source, record, deadline, epoch, signature }: SignedOperation,
): Hex {
  return keccak256Hex(
    JSON.stringify([
      mode,
      source,
      record.dataHash,
      record.formatId,
      record.metadataHash,
      record.sampledAt,
      record.uri,
      deadline,
      epoch,
      signature,
    ]),
  );
}
