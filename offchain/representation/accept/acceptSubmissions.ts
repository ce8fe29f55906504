import type { Hex } from "viem";

import { BaseError } from "../../shared/BaseError.js";
import type { BlobStore } from "../../storage/BlobStore.js";
import type { Database } from "../../storage/Database.js";
import { findAnchoredRecords } from "./findAnchoredRecords.js";
import { normalizeSubmission, type NormalizedSubmission } from "./normalizeSubmission.js";
import type { OutboxWriter } from "../outbox/OutboxWriter.js";
import { RejectionError } from "./RejectionError.js";
import type { SubmissionQuotas } from "./SubmissionQuotas.js";
import type { AnchoringMode, RecordStatus, Submission } from "../../sdk/wire.js";
import {
  signatureVerifier,
  validateSubmission,
  type ValidationContext,
} from "./validateSubmission.js";

/** What the gateway decides for one submission of a request (the wire `Verdict` before JSON). */
export interface Verdict {
  index: number;
  recordId?: Hex;
  /** Set when the record is (now or already) in the outbox. */
  status?: RecordStatus;
  /** True when this request stored it; false for an idempotent retry. */
  created?: boolean;
  /**
   * Set with `status`: the path the record is anchored by, the one asked except for a format
   * with unique data hashes, which is always relayed.
   */
  mode?: AnchoringMode;
  error?: BaseError;
}

export interface AcceptDependencies {
  db: Database;
  /** Stores accepted records: the outbox's only writer. */
  outbox: OutboxWriter;
  blobStore: BlobStore;
  validation: ValidationContext;
  maxPayloadBytes: number;
  /** Called after a commit that stored at least one record, with how many of each mode. */
  onAccepted?: (stored: { block: number; relayed: number }) => void;
  /** True while the gateway turns new submissions away (GATEWAY_BUSY): its backlog is full. */
  isBusy?: () => boolean;
  /** Per-source submission quotas (QUOTA_EXCEEDED); none when absent. */
  quotas?: SubmissionQuotas;
}

/** A request item: either a submission whose envelope parsed, or the reason it did not. */
export type SubmissionItem = { submission: Submission } | { error: BaseError };

// Chain reads are cached, but a cold bulk request still fans out; a small pool keeps the RPC
// node from seeing a thousand concurrent calls.
const VALIDATION_CONCURRENCY = 8;

/**
 * The R2D accept path (Y.4561 7.1.1 collection, validation, hashing, encapsulation): validates
 * each item on its own, then stores the valid ones with their payloads in one database
 * statement (a relayed record's payload goes to the BlobStore first: content-addressed, so a
 * crash before the commit only leaves an unreferenced blob). Only after that commit may the
 * caller answer "accepted": from then on the outbox owns the record until it is anchored.
 *
 * Records are keyed by record id, `recordIdOf(source, dataHash, sampledAt)`: the same payload from
 * another source, or from the same source at another sampling time, is another record and is
 * accepted as such. Resubmitting an accepted record (same operation and mode) is an idempotent
 * retry and reports its current status; another operation for the same record id (the same
 * source, data hash and sampling time, signed again with another deadline, format or URI, or in
 * another mode) is DUPLICATE_RECORD.
 *
 * @example
 * const [verdict] = await acceptSubmissions(deps, [{ submission }]);
 */
export async function acceptSubmissions(
  deps: AcceptDependencies,
  items: SubmissionItem[],
): Promise<Verdict[]> {
  const verdicts: Verdict[] = items.map((_, index) => ({ index }));
  const candidates: {
    index: number;
    normalized: NormalizedSubmission;
    payload: unknown;
    /** The source id the signing key is bound to, once validated (quotas count by it). */
    sourceId?: string;
  }[] = [];
  for (const [index, item] of items.entries()) {
    if ("error" in item) {
      verdicts[index].error = item.error;
      continue;
    }
    try {
      const normalized = normalizeSubmission(item.submission, deps.maxPayloadBytes);
      verdicts[index].recordId = normalized.recordId;
      candidates.push({ index, normalized, payload: item.submission.payload });
    } catch (error) {
      verdicts[index].error = asBaseError(error);
    }
  }

  // Each record id is checked once per request; later copies share its verdict.
  const firstOf = new Map<string, (typeof candidates)[number]>();
  for (const candidate of candidates) {
    if (!firstOf.has(candidate.normalized.recordId)) {
      firstOf.set(candidate.normalized.recordId, candidate);
    }
  }
  const checked = [...firstOf.values()];

  // Three waits on other processes run side by side, as in sequence they made most of a
  // request's latency: the registry sync (once per request), the signature threads (the whole
  // request in one call) and, once the head is known, the on-chain duplicate check. The outbox
  // is not read first: a new record is stored by an insert that skips ids the outbox holds, so
  // only records that a check turned down, or that the insert skipped, are looked up there (a
  // retry of an accepted record succeeds even once its signature has expired or it is
  // anchored).
  const syncing =
    checked.length > 0 ? deps.validation.registry.sync().catch(() => undefined) : undefined;
  const early = Promise.resolve(syncing).then(async (at) => {
    if (!at) return undefined;
    const group = checked.map((c) => c.normalized);
    const found = await findAnchoredRecords(
      deps.validation.ledger,
      group,
      at.number,
      deps.validation.registry.anchoredRecords,
    );
    return { blockNumber: at.number, found };
  });
  early.catch(() => {}); // settled below; never an unhandled rejection meanwhile
  const [signatureList, head] = await Promise.all([
    signatureVerifier(deps.validation).verifyMany(checked.map((c) => c.normalized.operation)),
    syncing,
  ]);
  const signatureOf = new Map(checked.map((c, i) => [c.normalized.recordId, signatureList[i]]));

  const fresh: typeof candidates = [];
  // Another operation for a record an earlier item of the request holds: only one can be
  // stored. Its verdict is the outbox's once the request's records are written (the outbox may
  // hold this very operation, from an earlier request).
  const rivals: typeof candidates = [];
  const firstInRequest = new Map<string, NormalizedSubmission>();
  for (const candidate of candidates) {
    const { recordId, operationHash } = candidate.normalized;
    const verdict = verdicts[candidate.index];
    const known = firstInRequest.get(recordId);
    if (!known) {
      firstInRequest.set(recordId, candidate.normalized);
      fresh.push(candidate);
    } else if (known.operationHash !== operationHash) {
      verdict.error = duplicate(recordId);
      rivals.push(candidate);
    } else {
      verdict.status = "accepted";
      verdict.created = false;
    }
  }

  // The on-chain duplicate check is made for the whole request at once, at the block each
  // record's other chain-backed checks were made at.
  const checkedAt = new Map<number, NormalizedSubmission[]>();
  await runPool(fresh, VALIDATION_CONCURRENCY, async (candidate) => {
    try {
      const { blockNumber, uniqueDataHashes, sourceId } = await validateSubmission(
        deps.validation,
        candidate.normalized,
        candidate.payload,
        {
          onChainCheck: false,
          signatureValid: signatureOf.get(candidate.normalized.recordId),
          head,
        },
      );
      // The ledger enforces one holder per data hash on records only and strikes such an
      // operation from a block (UniqueDataHashFormat), so it goes relayed, where
      // submitRecordBySig applies the holder rule. The operation hash keeps the mode asked,
      // so a retry of this very request is still recognised as the same submission.
      if (uniqueDataHashes) candidate.normalized.mode = "relayed";
      candidate.sourceId = sourceId.toString();
      const group = checkedAt.get(blockNumber) ?? [];
      group.push(candidate.normalized);
      checkedAt.set(blockNumber, group);
    } catch (error) {
      verdicts[candidate.index].error = asBaseError(error);
    }
  });
  const checkedEarly = await early.catch(() => undefined);
  const anchored = new Map<string, BaseError>();
  await Promise.all(
    [...checkedAt].map(async ([blockNumber, group]) => {
      const found =
        checkedEarly?.blockNumber === blockNumber
          ? checkedEarly.found
          : await findAnchoredRecords(
              deps.validation.ledger,
              group,
              blockNumber,
              deps.validation.registry.anchoredRecords,
            );
      for (const { recordId } of group) {
        const error = found.get(recordId);
        if (error) anchored.set(recordId, error);
      }
    }),
  );
  for (const candidate of fresh) {
    const error = anchored.get(candidate.normalized.recordId);
    if (error) verdicts[candidate.index].error = error;
  }
  // A record turned down may be a retry of one the outbox holds: that is its verdict instead.
  const turnedDown = fresh.filter((c) => verdicts[c.index].error);
  if (turnedDown.length > 0) await settleWithOutbox(deps.db, turnedDown, verdicts);
  let valid = fresh.filter((c) => !verdicts[c.index].error && verdicts[c.index].created !== false);
  // Quotas count only what is about to be stored. Records of limited sources are looked up in the
  // outbox first: a retry of an accepted record is answered with its status and costs nothing,
  // and never takes the place of a new record in the count.
  const quotas = deps.quotas;
  const limited = quotas?.size ? valid.filter((c) => c.sourceId && quotas.has(c.sourceId)) : [];
  if (quotas && limited.length > 0) {
    await settleWithOutbox(deps.db, limited, verdicts);
    valid = takeQuota(
      quotas,
      valid.filter((c) => !verdicts[c.index].error && verdicts[c.index].created !== false),
      verdicts,
    );
  }
  if (valid.length === 0) {
    if (rivals.length > 0) await settleWithOutbox(deps.db, rivals, verdicts);
    return settleWithinRequest(verdicts, candidates);
  }

  // A block-mode payload is stored with its outbox row (one durable write per request; the
  // batcher publishes it to the BlobStore with its block). A relayed record has no batcher
  // step, so its payload goes to the BlobStore now, under its data hash (its keccak256, already
  // checked by normalizeSubmission; not the record id: two records may share a payload).
  const relayed = valid.filter((c) => c.normalized.mode === "relayed");
  if (relayed.length > 0) {
    await deps.blobStore.putMany(
      relayed.map((c) => c.normalized.payloadBytes),
      relayed.map((c) => c.normalized.operation.record.dataHash),
    );
  }

  const acceptedAt = Date.now();
  // One statement, atomic on its own (shared with requests that arrived meanwhile).
  const created = await deps.outbox.write(
    valid.map((c) => ({ submission: c.normalized, acceptedAt })),
  );
  const raced = valid.filter((c) => !created.has(c.normalized.recordId));
  for (const c of raced) if (c.sourceId !== undefined) deps.quotas?.release(c.sourceId);
  for (const { index, normalized } of valid) {
    if (!created.has(normalized.recordId)) continue;
    verdicts[index].status = "accepted";
    verdicts[index].mode = normalized.mode;
    verdicts[index].created = true;
  }
  // The outbox already held these ids: an earlier request's, or one that committed while this
  // one was being checked.
  if (raced.length > 0) await settleWithOutbox(deps.db, raced, verdicts);
  if (rivals.length > 0) await settleWithOutbox(deps.db, rivals, verdicts);
  const stored = { block: 0, relayed: 0 };
  for (const c of valid) if (verdicts[c.index].created) stored[c.normalized.mode]++;
  if (stored.block + stored.relayed > 0) deps.onAccepted?.(stored);
  return settleWithinRequest(verdicts, candidates);
}

/** Counts each candidate against its source's quota; the ones over it get QUOTA_EXCEEDED. */
function takeQuota<T extends { index: number; sourceId?: string }>(
  quotas: SubmissionQuotas,
  candidates: T[],
  verdicts: Verdict[],
): T[] {
  const counted: T[] = [];
  for (const candidate of candidates) {
    const refusal = candidate.sourceId === undefined ? undefined : quotas.take(candidate.sourceId);
    if (refusal) verdicts[candidate.index].error = refusal;
    else counted.push(candidate);
  }
  return counted;
}

/**
 * A later identical item of the same request shares the verdict of the first one. Items with
 * another operation for the record were settled with the outbox and keep their own.
 */
function settleWithinRequest(
  verdicts: Verdict[],
  candidates: { index: number; normalized: NormalizedSubmission }[],
): Verdict[] {
  const first = new Map<string, { verdict: Verdict; operationHash: Hex }>();
  for (const { index, normalized } of candidates) {
    const verdict = verdicts[index];
    const earlier = first.get(normalized.recordId);
    if (!earlier) {
      first.set(normalized.recordId, { verdict, operationHash: normalized.operationHash });
    } else if (
      earlier.operationHash === normalized.operationHash &&
      !verdict.error &&
      verdict.status === "accepted" &&
      verdict.created === false
    ) {
      if (earlier.verdict.error) verdict.error = earlier.verdict.error;
      else {
        verdict.status = earlier.verdict.status;
        verdict.mode = earlier.verdict.mode;
      }
    }
  }
  return verdicts;
}

/**
 * The verdicts of submissions whose record ids the outbox may hold: the same operation is an
 * idempotent retry (its current status, not created), another one DUPLICATE_RECORD. Ids the
 * outbox does not hold keep their verdict.
 */
async function settleWithOutbox(
  db: Database,
  submissions: readonly { index: number; normalized: NormalizedSubmission }[],
  verdicts: Verdict[],
): Promise<void> {
  const rows = await db.query<{
    record_id: string;
    operation_hash: string;
    status: RecordStatus;
    mode: "block" | "relayed";
  }>(
    "select record_id, operation_hash, status, mode from gateway_record_states where record_id = any($1::text[])",
    [submissions.map((s) => s.normalized.recordId)],
  );
  const held = new Map(rows.map((row) => [row.record_id, row]));
  for (const { index, normalized } of submissions) {
    const row = held.get(normalized.recordId);
    if (!row) continue;
    const verdict = verdicts[index];
    if (row.operation_hash === normalized.operationHash) {
      delete verdict.error;
      verdict.status = row.status;
      verdict.mode = row.mode;
      verdict.created = false;
    } else {
      delete verdict.status;
      delete verdict.mode;
      delete verdict.created;
      verdict.error = duplicate(normalized.recordId);
    }
  }
}

function duplicate(recordId: Hex): RejectionError {
  return new RejectionError(
    "DUPLICATE_RECORD",
    "The gateway already holds another submission of this source's record (same data hash and sampling time)",
    { recordId },
  );
}

/** Anything but our own errors thrown while validating is the chain failing us, not the device. */
function asBaseError(error: unknown): BaseError {
  if (error instanceof BaseError) return error;
  return new RejectionError("CHAIN_UNAVAILABLE", "The ledger cannot be read right now", {}, error);
}

async function runPool<T>(items: T[], size: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
