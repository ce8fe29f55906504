import { BaseError } from "../../shared/BaseError.js";

/**
 * Every way the representation gateway turns a submission down at the R2D reference point, with
 * the HTTP status it answers. Codes are the stable contract with devices; statuses follow the
 * usual split: 4xx for what the device can fix, 401/403 for who it is, 409 for what already
 * exists.
 */
export const rejectionStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  DATA_HASH_MISMATCH: 422,
  SIGNATURE_INVALID: 401,
  SIGNATURE_EXPIRED: 401,
  // Signed in another signing epoch than the source's current one (a suspension, reactivation or
  // key rotation came between): sign again with details.current.
  SIGNATURE_STALE_EPOCH: 401,
  SOURCE_UNKNOWN: 403,
  SOURCE_INACTIVE: 403,
  FORMAT_UNKNOWN: 422,
  FORMAT_DEPRECATED: 422,
  FORMAT_NOT_ALLOWED: 403,
  SCHEMA_VIOLATION: 422,
  // The format is confidential and the payload is not a sealed envelope of the SDK's version
  // (details.field names what is wrong): the gateway cannot read it, only check its shape.
  ENVELOPE_MALFORMED: 422,
  DUPLICATE_RECORD: 409,
  // The format allows one active record per data hash, and another reading's record holds it.
  DATA_HASH_HELD: 409,
  // The source has used up its submission quota for the period (set by an operator over C2R):
  // nothing was stored; retry after details.retryAfterSec (the answer's Retry-After).
  QUOTA_EXCEEDED: 429,
  // A C2R request (/v1/control/*) without the gateway's control token.
  CONTROL_UNAUTHORIZED: 401,
  RECORD_NOT_FOUND: 404,
  NOT_FOUND: 404,
  // The gateway, not the device, is at fault: the format's schema cannot be fetched or does not
  // hash to its id. Retryable, so devices keep the record and try again later.
  FORMAT_SCHEMA_UNAVAILABLE: 503,
  CHAIN_UNAVAILABLE: 503,
  // More accepted records wait to be anchored than the gateway lets queue up: back off (the
  // answer carries Retry-After) and send the same records again; nothing was stored.
  GATEWAY_BUSY: 503,
  INTERNAL: 500,
} as const;

export type RejectionCode = keyof typeof rejectionStatus;

/**
 * A submission the gateway refuses, or a request it cannot serve. Carries the HTTP status the
 * R2D API maps it to in `app.onError`, so handlers just throw.
 *
 * @example
 * throw new RejectionError("DATA_HASH_MISMATCH", "Payload does not hash to record.dataHash", {
 *   expected, actual,
 * });
 */
export class RejectionError extends BaseError {
  override readonly code: RejectionCode;
  readonly status: (typeof rejectionStatus)[RejectionCode];

  constructor(
    code: RejectionCode,
    shortMessage: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    const status = rejectionStatus[code];
    super(code, shortMessage, { details, cause, retryable: status >= 500 });
    this.code = code;
    this.status = status;
  }
}
