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

/** The caller has registered no reader key, or the account asked for has none. */
export class ReaderKeyNotFoundError extends BaseError {
  constructor(account: string) {
    super("READER_KEY_NOT_FOUND", "No reader key is registered for this account", {
      details: { account },
    });
  }
}

/** No wrap of this record's data key is stored for the caller's reader key. */
export class KeyWrapNotFoundError extends BaseError {
  constructor(details: { recordId: string; readerKey: string }) {
    super("KEY_WRAP_NOT_FOUND", "No key wrap of this record is stored for your reader key", {
      details,
    });
  }
}

/** The reader key statement is not signed by its account in this ledger's domain. */
export class ReaderKeyInvalidError extends BaseError {
  constructor(details: Record<string, unknown>) {
    super("READER_KEY_INVALID", "The reader key is not signed by its account for this ledger", {
      details,
    });
  }
}

/** A newer reader key statement of the account is stored; an older one cannot replace it. */
export class ReaderKeyStaleError extends BaseError {
  constructor(details: { account: string; issuedAt: number; storedIssuedAt: number }) {
    super("READER_KEY_STALE", "A newer reader key of this account is registered", { details });
  }
}

/** Key wraps that are malformed, or signed by neither the record's source key nor an operator. */
export class KeyWrapsInvalidError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("KEY_WRAPS_INVALID", shortMessage, { details });
  }
}
