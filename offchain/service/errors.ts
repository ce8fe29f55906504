import { BaseError } from "../shared/BaseError.js";

// The errors of the U2S reference point. Each has a stable code; `httpStatus` in
// createServiceApp maps codes to statuses in one place.

/** No session token, or one the service never issued or already logged out. */
export class UnauthenticatedError extends BaseError {
  constructor(shortMessage = "A session token is required (Authorization: Bearer <token>)") {
    super("UNAUTHENTICATED", shortMessage);
  }
}

/** The session token was valid but its time is up; signing in again helps. */
export class SessionExpiredError extends BaseError {
  constructor() {
    super("SESSION_EXPIRED", "The session has expired; sign in again", { retryable: true });
  }
}

/** The Sign-In with Ethereum message or signature does not hold up. */
export class SiweInvalidError extends BaseError {
  constructor(reason: string, shortMessage: string) {
    super("SIWE_INVALID", shortMessage, { details: { reason } });
  }
}

/** The chain does not let this account read this data (no USER_ROLE, no live grant). */
export class AccessDeniedError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("ACCESS_DENIED", shortMessage, { details });
  }
}

/** Nothing is indexed under this key (or no route matches). */
export class NotFoundError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("NOT_FOUND", shortMessage, { details });
  }
}

/** The record exists but its payload is not in the BlobStore. */
export class PayloadNotFoundError extends BaseError {
  constructor(dataHash: string) {
    super("PAYLOAD_NOT_FOUND", "The payload of this record is not stored here", {
      details: { dataHash },
    });
  }
}

/** The request does not match the route's schema. */
export class ValidationFailedError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("VALIDATION_FAILED", shortMessage, { details });
  }
}

/** The request body exceeds the configured limit. */
export class PayloadTooLargeError extends BaseError {
  constructor(maxBytes: number) {
    super("PAYLOAD_TOO_LARGE", "The request body is too large", { details: { maxBytes } });
  }
}
