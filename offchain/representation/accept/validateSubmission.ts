import type { Hex } from "viem";

import type { LedgerDomain } from "../../sdk/ledgerDomain.js";
import { parseSealedEnvelope } from "../../sdk/sealedEnvelope.js";
import { BaseError } from "../../shared/BaseError.js";
import type { DataLedger } from "../../../types/ethers-contracts/index.js";
import { createSignatureVerifier, type SignatureVerifier } from "./createSignatureVerifier.js";
import { findAnchoredRecords } from "./findAnchoredRecords.js";
import type { FormatSchemaCache } from "./FormatSchemaCache.js";
import type { NormalizedSubmission } from "./normalizeSubmission.js";
import { RejectionError } from "./RejectionError.js";
import type { ChainHead, SourceRegistryCache } from "./SourceRegistryCache.js";

export interface ValidationContext {
  domain: LedgerDomain;
  registry: SourceRegistryCache;
  schemas: FormatSchemaCache;
  /** Signature checks (with their worker threads); the domain's in-thread verifier if absent. */
  verifier?: SignatureVerifier;
  /** Read-only ledger for the on-chain duplicate check (P2R). */
  ledger: DataLedger;
  /**
   * Seconds a signature must still be valid for when accepted: a data block anchored after an
   * operation's deadline is challengeable, and a relayed record reverts, so a record about to
   * expire is refused now rather than lost later.
   */
  minDeadlineMarginSec: number;
}

export interface ValidateOptions {
  /**
   * false: leave the on-chain duplicate check to the caller, which runs it for a whole request
   * with `findAnchoredRecords` at the returned block.
   */
  onChainCheck?: boolean;
  /** The signature's verdict, when the caller checked a whole request at once (`verifyMany`). */
  signatureValid?: boolean;
  /**
   * The registry's head, when the caller synced it once for a whole request: a sync per record
   * is an RPC round trip per record.
   */
  head?: ChainHead;
}

const FORMAT_NONE = 0;
const FORMAT_DEPRECATED = 2;
/** FORMAT_UNIQUE_DATA_HASHES in contracts/types/DataLedgerTypes.sol. */
const FORMAT_UNIQUE_DATA_HASHES = 1;
/** FORMAT_CONFIDENTIAL in contracts/types/DataLedgerTypes.sol. */
const FORMAT_CONFIDENTIAL = 2;
const RECORD_ACTIVE = 1;

/**
 * The chain-backed part of R2D validation (Y.4561 8.1 source authentication, 8.6 step 1 format
 * check): the signature recovers to the claimed source for this ledger and is not about to
 * expire, the key is the current key of an active source, the signature names the source's
 * current signing epoch, the format is registered, active and
 * allowed for that source, the payload conforms to the format's JSON Schema (for a confidential
 * format, whose schema describes a plaintext the gateway never sees: the payload is a sealed
 * envelope of the SDK's shape, whose hash normalizeSubmission already held to the data hash), no active record of
 * another reading holds the data hash when the format's data hashes are unique, and the record is
 * not already on-chain. The cheap local checks run before any chain read. Returns the block the
 * chain-backed checks were made at, and whether the format's data hashes are unique (such a
 * record must go relayed: the ledger strikes it from a data block).
 *
 * @throws {RejectionError} SIGNATURE_INVALID, SIGNATURE_EXPIRED, SOURCE_UNKNOWN, SOURCE_INACTIVE,
 * SIGNATURE_STALE_EPOCH, FORMAT_UNKNOWN, FORMAT_DEPRECATED, FORMAT_NOT_ALLOWED, SCHEMA_VIOLATION,
 * ENVELOPE_MALFORMED, DATA_HASH_HELD,
 * DUPLICATE_RECORD, FORMAT_SCHEMA_UNAVAILABLE.
 *
 * @example
 * await validateSubmission(context, normalizeSubmission(submission, limit), payload);
 */
export async function validateSubmission(
  context: ValidationContext,
  submission: NormalizedSubmission,
  payload: unknown,
  options: ValidateOptions = {},
): Promise<{ blockNumber: number; uniqueDataHashes: boolean; sourceId: bigint }> {
  const { operation } = submission;
  const signatureValid =
    options.signatureValid ?? (await signatureVerifier(context).verify(operation));
  if (!signatureValid) {
    throw new RejectionError(
      "SIGNATURE_INVALID",
      "Signature does not recover to the claimed source for this ledger",
      { source: operation.source },
    );
  }

  const head = options.head ?? (await context.registry.sync());
  const now = Math.max(Math.floor(Date.now() / 1000), head.timestamp);
  // The ledger's rule: a signature is usable while block.timestamp <= deadline, so one whose
  // deadline is exactly now + margin is still good for the whole margin.
  if (operation.deadline < now + context.minDeadlineMarginSec) {
    throw new RejectionError("SIGNATURE_EXPIRED", "Signature expires before it can be anchored", {
      deadline: operation.deadline,
      now,
      minMarginSec: context.minDeadlineMarginSec,
    });
  }

  const key = await context.registry.sourceKey(operation.source);
  if (key.sourceId === 0n) {
    throw new RejectionError("SOURCE_UNKNOWN", "The signing key is bound to no source", {
      source: operation.source,
    });
  }
  if (!key.active) {
    throw new RejectionError(
      "SOURCE_INACTIVE",
      "The source is suspended or revoked, or this key was rotated away",
      { source: operation.source, sourceId: key.sourceId.toString() },
    );
  }
  // The ledger's rule on both paths: a relayed record signed in another epoch reverts
  // (DataRegistryInvalidSignature), a block operation is struck (StaleEpoch).
  if (operation.epoch !== key.epoch) {
    throw new RejectionError(
      "SIGNATURE_STALE_EPOCH",
      "The signature was made in another signing epoch than the source's current one",
      { epoch: operation.epoch, current: key.epoch, sourceId: key.sourceId.toString() },
    );
  }

  const formatId = operation.record.formatId;
  const format = await context.registry.format(formatId);
  if (format.status === FORMAT_NONE) {
    throw new RejectionError("FORMAT_UNKNOWN", "No format is registered with this id", {
      formatId,
    });
  }
  if (format.status === FORMAT_DEPRECATED) {
    throw new RejectionError("FORMAT_DEPRECATED", "The format is deprecated", { formatId });
  }
  if (!(await context.registry.formatAllowed(key.sourceId, formatId))) {
    throw new RejectionError("FORMAT_NOT_ALLOWED", "The source may not submit this format", {
      formatId,
      sourceId: key.sourceId.toString(),
    });
  }

  if ((format.flags & FORMAT_CONFIDENTIAL) !== 0) requireSealedEnvelope(payload, formatId);
  else await requireSchema(context, payload, formatId, format.uri);

  const uniqueDataHashes = (format.flags & FORMAT_UNIQUE_DATA_HASHES) !== 0;
  if (uniqueDataHashes) await refuseHeldDataHash(context, submission, head.number);

  if (options.onChainCheck !== false) {
    const duplicate = (
      await findAnchoredRecords(
        context.ledger,
        [submission],
        head.number,
        context.registry.anchoredRecords,
      )
    ).get(submission.recordId);
    if (duplicate) throw duplicate;
  }
  return { blockNumber: head.number, uniqueDataHashes, sourceId: key.sourceId };
}

/** SCHEMA_VIOLATION unless the payload conforms to the format's JSON Schema. */
async function requireSchema(
  context: ValidationContext,
  payload: unknown,
  formatId: Hex,
  uri: string,
): Promise<void> {
  const validate = await context.schemas.get(formatId, uri);
  if (!validate(payload)) {
    const first = validate.errors?.[0];
    throw new RejectionError("SCHEMA_VIOLATION", "Payload does not conform to the format", {
      pointer: first?.instancePath ?? "",
      keyword: first?.keyword,
      message: first?.message,
      formatId,
    });
  }
}

/**
 * ENVELOPE_MALFORMED unless a confidential format's payload is a sealed envelope: all the gateway
 * can check of a payload it cannot read (its size and hash were checked by normalizeSubmission).
 * The plaintext's JSON Schema is the reader's to check, after `openPayload`.
 */
function requireSealedEnvelope(payload: unknown, formatId: string): void {
  try {
    parseSealedEnvelope(payload);
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    throw new RejectionError(
      "ENVELOPE_MALFORMED",
      "The format is confidential and the payload is not a sealed envelope",
      { ...error.details, formatId },
      error,
    );
  }
}

/**
 * DATA_HASH_HELD when an active record other than this one holds the data hash of a format with
 * unique data hashes (`dataHashHolder`, then that record's status, both at `blockTag`).
 *
 * A relayed record would revert on-chain with DataRegistryDataHashHeld; refusing it here tells
 * the device now rather than as a failed record later. Such a format's records are always
 * relayed (acceptSubmissions), since a data block leaf holds no hash and the ledger's judge
 * strikes it (UniqueDataHashFormat). Two relayed ones in flight at once are both accepted here;
 * the second to be mined reverts and its record ends "failed" with that revert.
 */
async function refuseHeldDataHash(
  context: ValidationContext,
  submission: NormalizedSubmission,
  blockTag: number,
): Promise<void> {
  const { dataHash } = submission.operation.record;
  const holder = (await context.ledger.dataHashHolder(dataHash, { blockTag })).toLowerCase();
  if (/^0x0+$/.test(holder) || holder === submission.recordId) return;
  const record = await context.ledger.getRecord(holder, { blockTag });
  if (Number(record.status) !== RECORD_ACTIVE) return;
  throw new RejectionError(
    "DATA_HASH_HELD",
    "The format allows one record per data hash, and an active record of another reading holds this one",
    { dataHash, recordId: holder, sourceId: record.sourceId.toString() },
  );
}

// One in-thread verifier per domain object (when the context brings none): it holds the domain
// separator, computed once.
const verifiers = new WeakMap<LedgerDomain, SignatureVerifier>();

export function signatureVerifier(context: ValidationContext): SignatureVerifier {
  if (context.verifier) return context.verifier;
  const { domain } = context;
  let verifier = verifiers.get(domain);
  if (!verifier) {
    verifier = createSignatureVerifier(domain);
    verifiers.set(domain, verifier);
  }
  return verifier;
}
