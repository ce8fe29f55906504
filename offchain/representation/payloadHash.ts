import canonicalizeModule from "canonicalize";
import { keccak256, toUtf8Bytes } from "ethers";

import { BaseError } from "../shared/BaseError.js";

// canonicalize is CommonJS with typings that declare an ES default export; under Node's ESM the
// default import is the function itself, which the typings cannot express.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** Thrown for a value that has no canonical JSON form (undefined, functions, non-finite numbers). */
export class NotCanonicalizableError extends BaseError {
  constructor(cause?: unknown) {
    super(
      "PAYLOAD_NOT_CANONICALIZABLE",
      "Payload cannot be serialised as canonical JSON (RFC 8785)",
      { cause },
    );
  }
}

/**
 * The canonical JSON text of a payload (RFC 8785, JCS): the same data always gives the same
 * bytes, whatever key order or number formatting the producer used.
 */
export function canonicalJson(payload: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(payload);
  } catch (cause) {
    throw new NotCanonicalizableError(cause);
  }
  if (text === undefined) throw new NotCanonicalizableError();
  return text;
}

/** keccak256 of a payload's canonical JSON: the record's data hash (7.1.1 "hashing"). */
export function payloadHash(payload: unknown): string {
  return keccak256(toUtf8Bytes(canonicalJson(payload)));
}
