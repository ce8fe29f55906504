import { keccak256, toBytes, type Hex } from "viem";

import { canonicalJson } from "./canonicalJson.js";

/**
 * keccak256 of a payload's canonical JSON (UTF-8): the record's data hash (Y.4561 7.1.1
 * "hashing").
 *
 * @throws {PayloadNotCanonicalizableError} `PAYLOAD_NOT_CANONICALIZABLE`.
 *
 * @example
 * const dataHash = hashPayload({ pm25: 12.5, station: "A1" });
 */
export function hashPayload(payload: unknown): Hex {
  return keccak256(toBytes(canonicalJson(payload)));
}
