import { isHex, size, zeroHash, type Hex } from "viem";

import { canonicalJson } from "./canonicalJson.js";
import { InvalidArgumentError } from "./errors.js";
import { hashPayload } from "./hashPayload.js";
import type { LedgerRecord } from "./wire.js";
import { isUint48 } from "../shared/uint48.js";

/** Largest value a uint48 holds. */

export interface CreateRecordParameters {
  /** The data item, any JSON value; it is hashed in canonical form. */
  payload: unknown;
  /** Id of the registered format the payload conforms to (32-byte hex). */
  formatId: Hex;
  /** Description document of the data item; hashed in canonical form. */
  metadata?: unknown;
  /** When the source produced the data, unix seconds; defaults to now. */
  sampledAt?: number;
  /** Where the payload will be fetched from; defaults to "". */
  uri?: string;
}

export interface CreateRecordReturnType {
  record: LedgerRecord;
  /** The exact text that was hashed into `record.dataHash`; store or send this. */
  canonicalPayload: string;
}

/**
 * Builds the record a source states about a payload: its canonical data hash, format, metadata
 * hash (zero hash when there is no metadata), sampling time and URI.
 *
 * @throws {PayloadNotCanonicalizableError} `PAYLOAD_NOT_CANONICALIZABLE` for a payload or
 * metadata JSON cannot express.
 * @throws {InvalidArgumentError} `SDK_INVALID_ARGUMENT` for a malformed format id or time.
 *
 * @example
 * const { record, canonicalPayload } = createRecord({
 *   payload: { pm25: 12.5, station: "A1" },
 *   formatId: "0x5b3c…", // the registered schema hash
 *   metadata: { unit: "µg/m³" },
 *   uri: "ipfs://bafy…",
 * });
 */
export function createRecord({
  payload,
  formatId,
  metadata,
  sampledAt,
  uri = "",
}: CreateRecordParameters): CreateRecordReturnType {
  if (!isHex(formatId, { strict: true }) || size(formatId) !== 32) {
    throw new InvalidArgumentError("formatId must be 32 bytes of hex", { formatId });
  }
  const time = sampledAt ?? Math.floor(Date.now() / 1000);
  if (!isUint48(time)) {
    throw new InvalidArgumentError("sampledAt must be unix seconds within uint48", {
      sampledAt: time,
    });
  }
  const canonicalPayload = canonicalJson(payload);
  return {
    record: {
      dataHash: hashPayload(payload),
      formatId,
      metadataHash: metadata === undefined ? zeroHash : hashPayload(metadata),
      sampledAt: time,
      uri,
    },
    canonicalPayload,
  };
}
