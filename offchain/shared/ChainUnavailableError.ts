import { BaseError } from "./BaseError.js";

/**
 * The chain node could not be read (down, wrong URL, timed out); retrying may help. One class for
 * the off-chain services: the gateway's and the service's start-up and readiness checks and the
 * service's authorisation reads all report this as CHAIN_UNAVAILABLE (HTTP 503).
 */
export class ChainUnavailableError extends BaseError {
  constructor(cause: unknown, shortMessage = "The chain node could not be read") {
    super("CHAIN_UNAVAILABLE", shortMessage, { cause, retryable: true });
  }
}
