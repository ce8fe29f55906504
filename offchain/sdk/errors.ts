import { BaseError } from "../shared/BaseError.js";

/** A value with no canonical JSON form (undefined, a function, a non-finite number, a bigint). */
export class PayloadNotCanonicalizableError extends BaseError {
  constructor(cause?: unknown) {
    super(
      "PAYLOAD_NOT_CANONICALIZABLE",
      "Payload cannot be serialised as canonical JSON (RFC 8785)",
      { cause },
    );
  }
}

/** An argument of an SDK function is not what the ledger accepts (bad hex, out-of-range time). */
export class InvalidArgumentError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("SDK_INVALID_ARGUMENT", shortMessage, { details });
  }
}

/** The receipt is structurally incomplete or inconsistent with itself. */
export class ReceiptMalformedError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("RECEIPT_MALFORMED", shortMessage, { details });
  }
}

/** The payload does not hash to the receipt's data hash. */
export class ReceiptPayloadMismatchError extends BaseError {
  constructor(details: { expected: string; actual: string }) {
    super("RECEIPT_PAYLOAD_MISMATCH", "Payload does not match the receipt's data hash", {
      details,
    });
  }
}

/**
 * The receipt's record id is not the one its operation names: `recordId(operation.source,
 * operation.record)`, the ledger's `recordIdOf(source, dataHash, sampledAt)`.
 */
export class ReceiptRecordIdMismatchError extends BaseError {
  constructor(details: { expected: string; actual: string }) {
    super("RECEIPT_RECORD_ID_MISMATCH", "Receipt's record id is not its operation's", {
      details,
    });
  }
}

/**
 * The Merkle proof does not place the operation's leaf, hashed with the block's gateway, at its
 * index under a root that makes the receipt's block id (or under the receipt's root).
 */
export class ReceiptProofInvalidError extends BaseError {
  constructor(details: { blockId: string; root: string; leaf: string; leafIndex: number }) {
    super("RECEIPT_PROOF_INVALID", "Merkle proof does not lead from the leaf to the root", {
      details,
    });
  }
}

/**
 * The receipt's leaf index is not a slot of the block's operations (`leafIndex >= count`) or its
 * proof has not the block's depth ceil(log2(count)) of siblings: the ledger would refuse it.
 */
export class ReceiptLeafIndexInvalidError extends BaseError {
  constructor(details: { blockId: string; leafIndex: number; count: number; proofLength: number }) {
    super(
      "RECEIPT_LEAF_INDEX_INVALID",
      "The leaf index or proof length does not fit the block's count",
      { details },
    );
  }
}

/** The operation's signature was not made by its claimed source key for this ledger. */
export class ReceiptSignatureInvalidError extends BaseError {
  constructor(details: { source: string }) {
    super("RECEIPT_SIGNATURE_INVALID", "Signature does not recover to the claimed source", {
      details,
    });
  }
}

/** The chain does not hold what the receipt claims (no such block, record or attribution). */
export class ReceiptNotOnChainError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("RECEIPT_NOT_ON_CHAIN", shortMessage, { details });
  }
}

/**
 * This operation was successfully challenged and struck from its block (the block's other
 * operations are not affected).
 */
export class ReceiptOperationDisputedError extends BaseError {
  constructor(details: { blockId: string; leaf: string }) {
    super("RECEIPT_OPERATION_DISPUTED", "The operation was struck from its data block on-chain", {
      details,
    });
  }
}

/**
 * The operation is in its block, not struck yet, but would lose a challenge: the ledger's
 * DataBlockJudge finds it broke a rule (its `reason`: an expired signature, an inactive source, a
 * format the source could not use, a sampling time outside the block's range, ...).
 */
export class ReceiptOperationChallengeableError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("RECEIPT_OPERATION_CHALLENGEABLE", shortMessage, { details });
  }
}

/**
 * The JSON-RPC endpoint could not be read (`CHAIN_UNAVAILABLE`, retryable): a receipt is neither
 * confirmed nor refuted, an epoch not known. The one class every part of DataLedger uses.
 */
export { ChainUnavailableError } from "../shared/ChainUnavailableError.js";

/** The key is bound to no source on this ledger (`sourceIdOf` is 0): it has no signing epoch. */
export class SourceUnknownError extends BaseError {
  constructor(details: { source: string }) {
    super("SDK_SOURCE_UNKNOWN", "The key is bound to no source on this ledger", { details });
  }
}

/** A sealed envelope or key wrap does not have the shape its version defines. */
export class EnvelopeMalformedError extends BaseError {
  constructor(shortMessage: string, details: Record<string, unknown> = {}) {
    super("ENVELOPE_MALFORMED", shortMessage, { details });
  }
}

/** The sealed envelope does not hash to the record's data hash: it is not what was anchored. */
export class EnvelopeHashMismatchError extends BaseError {
  constructor(details: { expected: string; actual: string }) {
    super("ENVELOPE_HASH_MISMATCH", "The sealed envelope does not hash to the data hash", {
      details,
    });
  }
}

/**
 * The key wrap does not open with this reader's key: it is for another reader, for another
 * envelope, or was altered.
 */
export class KeyWrapInvalidError extends BaseError {
  constructor(details: Record<string, unknown> = {}) {
    super("KEY_WRAP_INVALID", "The key wrap does not open with this reader key", { details });
  }
}

/** The ciphertext, its tag, nonce or associated fields were altered (or the data key is wrong). */
export class EnvelopeDecryptionFailedError extends BaseError {
  constructor() {
    super("ENVELOPE_DECRYPTION_FAILED", "The sealed payload does not decrypt under its data key");
  }
}

/** The decrypted payload does not match the envelope's commitment. */
export class EnvelopeCommitmentMismatchError extends BaseError {
  constructor(details: { expected: string; actual: string }) {
    super("ENVELOPE_COMMITMENT_MISMATCH", "The decrypted payload does not match the commitment", {
      details,
    });
  }
}
