/**
 * The one error type of DataLedger's off-chain code. Every error has a stable `code` callers can
 * branch on (messages may change, codes do not), a short message for people, an optional cause,
 * and says whether retrying the same call can help.
 */
export class BaseError extends Error {
  override name = "DataLedgerError";
  readonly code: string;
  readonly shortMessage: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(
    code: string,
    shortMessage: string,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(`${shortMessage} [${code}]`, { cause: options.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}
