import { BaseError } from "../../shared/BaseError.js";

// The errors of the O2C reference point on the service FE. Each has a stable code; the service
// maps codes to HTTP statuses in one place (createServiceApp's `httpStatus`).

/** The session's account does not hold OPERATOR_ROLE on-chain now (never did, or lost it). */
export class OperatorRoleRequiredError extends BaseError {
  constructor(account: string) {
    super("OPERATOR_ROLE_REQUIRED", `${account} does not hold the operator role`, {
      details: { account },
    });
  }
}

/**
 * A signed transaction the relay refuses before broadcasting anything: `code` names the rule
 * (TX_MALFORMED, TX_SIGNER_NOT_SESSION, TX_CHAIN_MISMATCH, TX_TARGET_REFUSED,
 * TX_FUNCTION_REFUSED, TX_VALUE_REFUSED).
 */
export class TransactionRefusedError extends BaseError {
  constructor(code: string, shortMessage: string, details: Record<string, unknown> = {}) {
    super(code, shortMessage, { details });
  }
}

/** The service was started without a gateway to forward C2R calls to. */
export class ControlUnavailableError extends BaseError {
  constructor() {
    super(
      "CONTROL_UNAVAILABLE",
      "This service has no gateway control configured (gateway URL and control token)",
    );
  }
}
