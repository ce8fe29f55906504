import { BaseError } from "../shared/BaseError.js";
import type { Accepted, RecordState, Submission, Verdict } from "./wire.js";

export interface SendOptions {
  /** Attempts for answers a retry can fix (network errors, 429, 5xx). Default 5. */
  attempts?: number;
  /** First back-off delay; doubles each attempt. Default 200 ms. */
  backoffMs?: number;
  /** fetch to use (tests, proxies); default globalThis.fetch. */
  fetch?: typeof fetch;
}

/** The gateway rejected the submission for good (bad signature, schema violation, …). */
export class GatewayRejectedError extends BaseError {
  constructor(
    status: number,
    error: { code: string; message: string; details?: Record<string, unknown> },
  ) {
    super(error.code, error.message, { details: { httpStatus: status, ...(error.details ?? {}) } });
  }
}

/** The gateway could not be reached or kept failing; the same call may be repeated safely later. */
export class GatewayUnavailableError extends BaseError {
  constructor(url: string, cause: unknown) {
    super("GATEWAY_UNAVAILABLE", `Gateway ${url} did not answer`, {
      cause,
      retryable: true,
      details: { url },
    });
  }
}

/**
 * Sends one record to a representation gateway (R2D). Safe to repeat: the gateway keys records
 * by record id (source, data hash, sampling time), so a retry after a lost answer gets the
 * record's current status instead of a second copy. Retries network failures, 429 and 5xx with exponential back-off.
 *
 * @throws {GatewayRejectedError} with the gateway's stable code (e.g. `SCHEMA_VIOLATION`).
 * @throws {GatewayUnavailableError} `GATEWAY_UNAVAILABLE` when every attempt failed.
 *
 * @example
 * const { recordId, status } = await sendRecord("http://127.0.0.1:8787", { operation, payload });
 */
export async function sendRecord(
  gatewayUrl: string,
  submission: Submission,
  options: SendOptions = {},
): Promise<Accepted> {
  const body = await postJson(`${trimSlash(gatewayUrl)}/v1/records`, submission, options);
  return body as Accepted;
}

/**
 * Sends many records in one bulk request; every record gets its own verdict, so a bad one never
 * sinks the others. Safe to repeat like `sendRecord`.
 *
 * @example
 * const verdicts = await sendRecords(gatewayUrl, submissions);
 * const rejected = verdicts.filter((v) => v.error);
 */
export async function sendRecords(
  gatewayUrl: string,
  submissions: Submission[],
  options: SendOptions = {},
): Promise<Verdict[]> {
  const body = (await postJson(
    `${trimSlash(gatewayUrl)}/v1/records/bulk`,
    submissions,
    options,
  )) as { results: Verdict[] };
  return body.results;
}

/**
 * Reads a record's status and, once anchored, its receipt from the gateway. The receipt is a
 * claim: check it with `verifyReceipt` before trusting it.
 *
 * @example
 * const { status, receipt } = await getRecordStatus(gatewayUrl, recordId);
 * if (receipt) await verifyReceipt({ payload, receipt, rpcUrl, ledgerAddress });
 */
export async function getRecordStatus(
  gatewayUrl: string,
  recordId: `0x${string}`,
  options: SendOptions = {},
): Promise<RecordState> {
  return (await request(
    `${trimSlash(gatewayUrl)}/v1/records/${recordId}`,
    { method: "GET" },
    options,
  )) as RecordState;
}

async function postJson(url: string, body: unknown, options: SendOptions): Promise<unknown> {
  return request(
    url,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    options,
  );
}

async function request(url: string, init: RequestInit, options: SendOptions): Promise<unknown> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const attempts = options.attempts ?? 5;
  let delay = options.backoffMs ?? 200;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await doFetch(url, init);
      const text = await response.text();
      const parsed: unknown = text === "" ? {} : JSON.parse(text);
      if (response.ok) return parsed;
      const error = (
        parsed as { error?: { code: string; message: string; details?: Record<string, unknown> } }
      ).error;
      if (response.status !== 429 && response.status < 500) {
        throw new GatewayRejectedError(
          response.status,
          error ?? { code: `HTTP_${response.status}`, message: text },
        );
      }
      lastError = new GatewayRejectedError(
        response.status,
        error ?? { code: `HTTP_${response.status}`, message: text },
      );
    } catch (error) {
      if (error instanceof GatewayRejectedError) throw error;
      lastError = error;
    }
    if (attempt < attempts) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
  throw new GatewayUnavailableError(url, lastError);
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
