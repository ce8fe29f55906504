import { id, ZeroHash, type ErrorDescription } from "ethers";

import { BaseError } from "../shared/BaseError.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../types/ethers-contracts/index.js";

const INTERFACES = [
  DataLedger__factory.createInterface(),
  AccessRegistry__factory.createInterface(),
];

/**
 * The stable code of each custom error the suite's control functions can revert with (O2C over
 * C2P). A wrong role is ROLE_REQUIRED whichever contract says so; every other code names the thing
 * that is unknown or in the wrong state. Errors not listed (record and data block errors, which no
 * control operation reaches) get their name in SCREAMING_CASE.
 */
const CODES: Record<string, string> = {
  AccessControlUnauthorizedAccount: "ROLE_REQUIRED",
  AccessRegistryUnauthorized: "ROLE_REQUIRED",
  AccessControlEnforcedDefaultAdminRules: "ROLE_ADMIN_TWO_STEP",
  LedgerRolesManagedBySourceRegistry: "ROLE_SOURCE_MANAGED_BY_REGISTRY",
  EnforcedPause: "LEDGER_PAUSED",
  ExpectedPause: "LEDGER_NOT_PAUSED",
  SourceRegistryZeroAddress: "ARGUMENT_ZERO_ADDRESS",
  SourceRegistryKeyAlreadyBound: "SOURCE_KEY_ALREADY_BOUND",
  SourceRegistryInvalidKeyProof: "SOURCE_KEY_PROOF_INVALID",
  SourceRegistryUnknownSource: "SOURCE_UNKNOWN",
  SourceRegistryInvalidStatus: "SOURCE_INVALID_STATUS",
  SourceRegistryUnauthorized: "SOURCE_NOT_OWNER",
  FormatRegistryZeroSchemaHash: "FORMAT_ZERO_SCHEMA_HASH",
  FormatRegistryAlreadyRegistered: "FORMAT_ALREADY_REGISTERED",
  FormatRegistryDuplicateVersion: "FORMAT_DUPLICATE_VERSION",
  FormatRegistryUnknownFormat: "FORMAT_UNKNOWN",
  FormatRegistryDeprecatedFormat: "FORMAT_DEPRECATED",
  FormatRegistryUnknownFlags: "FORMAT_UNKNOWN_FLAGS",
  AccessRegistryUnknownDataset: "DATASET_UNKNOWN",
  AccessRegistryNotDatasetOwner: "DATASET_NOT_OWNER",
  AccessRegistryDatasetOrphaned: "DATASET_ORPHANED",
  AccessRegistryUnknownSource: "SOURCE_UNKNOWN",
  AccessRegistryUnknownFormat: "FORMAT_UNKNOWN",
  AccessRegistryNotAUser: "ACCOUNT_NOT_USER",
  AccessRegistryInvalidExpiry: "ACCESS_INVALID_EXPIRY",
  AccessRegistryNoGrant: "ACCESS_NO_GRANT",
};

const ROLE_IDS: Record<string, string> = {
  [ZeroHash]: "admin",
  [id("OPERATOR_ROLE")]: "operator",
  [id("SUPERVISOR_ROLE")]: "supervisor",
  [id("GATEWAY_ROLE")]: "gateway",
  [id("USER_ROLE")]: "user",
  [id("SOURCE_ROLE")]: "source",
};

/**
 * A control call the suite refused (in simulation or on-chain), decoded: `code` is stable,
 * `details.error` is the contract error's name and `details.args` its arguments.
 */
export class ControlRevertError extends BaseError {
  constructor(code: string, message: string, details: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
  }
}

/**
 * Decodes revert data from the ledger or the access registry into a ControlRevertError whose
 * message names the contract error and its values (role ids as role names).
 *
 * @example
 * throw decodeRevert("0xe2517d3f…"); // ROLE_REQUIRED: AccessControlUnauthorizedAccount(0x…, operator)
 */
export function decodeRevert(data: string, cause?: unknown): ControlRevertError {
  let parsed: ErrorDescription | null = null;
  for (const iface of INTERFACES) {
    try {
      parsed = iface.parseError(data);
    } catch {
      parsed = null;
    }
    if (parsed !== null) break;
  }
  if (parsed === null) {
    return new ControlRevertError(
      "LEDGER_REVERTED",
      `the suite refused the call: ${data === "0x" ? "no reason given" : `revert data ${data}`}`,
      { data },
      cause,
    );
  }
  const args = [...parsed.args].map((arg) =>
    typeof arg === "string" && ROLE_IDS[arg] !== undefined ? ROLE_IDS[arg] : String(arg),
  );
  const code = CODES[parsed.name] ?? screamingCase(parsed.name);
  return new ControlRevertError(
    code,
    `the suite refuses: ${parsed.name}(${args.join(", ")})`,
    { error: parsed.name, args, data },
    cause,
  );
}

/**
 * The revert data carried by a failed eth_call or transaction, whichever client threw it (ethers'
 * CALL_EXCEPTION, a JSON-RPC error of code 3, Hardhat's ProviderError, nested in `error`, `info`
 * or `cause`); undefined when the failure was not a revert.
 */
export function revertDataOf(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const e = error as {
    code?: unknown;
    data?: unknown;
    error?: unknown;
    info?: { error?: unknown };
    cause?: unknown;
  };
  const reverted = e.code === "CALL_EXCEPTION" || e.code === 3;
  if (reverted && typeof e.data === "string" && /^0x([0-9a-f]{2})*$/i.test(e.data)) return e.data;
  for (const inner of [e.error, e.info?.error, e.cause]) {
    const data = revertDataOf(inner, depth + 1);
    if (data !== undefined) return data;
  }
  return reverted ? "0x" : undefined;
}

function screamingCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}
