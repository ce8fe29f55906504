import { readFile } from "node:fs/promises";

import { getAddress, isAddress, type Signer } from "ethers";

import { BaseError } from "../shared/BaseError.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { grantRole, type RoleChange, type RoleName } from "./roles.js";

/** Initial role holders, by role, as kept in `config/roles.<network>.json`. */
export interface InitialRoles {
  operators: string[];
  supervisors: string[];
  gateways: string[];
  users: string[];
}

const KEYS: Record<keyof InitialRoles, RoleName> = {
  operators: "operator",
  supervisors: "supervisor",
  gateways: "gateway",
  users: "user",
};

/** Thrown for a roles file that is missing, not JSON, or holds something other than addresses. */
export class InvalidRolesConfigError extends BaseError {
  constructor(reason: string, details: Record<string, unknown> = {}) {
    super("ROLES_CONFIG_INVALID", `Invalid roles configuration: ${reason}`, { details });
  }
}

/** Thrown when gateways or users must be granted but no configured operator can sign here. */
export class NoOperatorSignerError extends BaseError {
  constructor() {
    super(
      "ROLES_NO_OPERATOR_SIGNER",
      "Granting gateway and user roles needs an operator's key: none of the configured operators is an account of this network connection",
    );
  }
}

/** Reads and validates a roles file. Unknown keys are rejected so a typo does not silently grant nothing. */
export async function loadInitialRoles(path: string): Promise<InitialRoles> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    throw new InvalidRolesConfigError(`cannot read ${path}`, { path, cause: String(cause) });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new InvalidRolesConfigError("expected a JSON object", { path });
  }
  const roles: InitialRoles = { operators: [], supervisors: [], gateways: [], users: [] };
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith("$")) continue;
    if (!(key in KEYS)) throw new InvalidRolesConfigError(`unknown key "${key}"`, { path, key });
    if (!Array.isArray(value) || !value.every((a) => typeof a === "string" && isAddress(a))) {
      throw new InvalidRolesConfigError(`"${key}" must be an array of addresses`, { path, key });
    }
    roles[key as keyof InitialRoles] = value.map((a: string) => getAddress(a));
  }
  return roles;
}

/**
 * Grants the initial roles (O2C step after deployment). `admin` grants operators and supervisors;
 * gateways and users are granted by the first configured operator among `signers`. Idempotent:
 * holders are skipped, so re-running after a partial failure finishes the job.
 */
export async function applyInitialRoles(
  ledgerAddress: string,
  admin: Signer,
  signers: Signer[],
  roles: InitialRoles,
): Promise<RoleChange[]> {
  const asAdmin = DataLedger__factory.connect(ledgerAddress, admin);
  const changes: RoleChange[] = [];
  for (const account of roles.operators)
    changes.push(await grantRole(asAdmin, "operator", account));
  for (const account of roles.supervisors)
    changes.push(await grantRole(asAdmin, "supervisor", account));

  if (roles.gateways.length + roles.users.length === 0) return changes;
  const addresses = await Promise.all(signers.map((s) => s.getAddress()));
  const index = addresses.findIndex((a) => roles.operators.includes(getAddress(a)));
  if (index < 0) throw new NoOperatorSignerError();
  const asOperator = DataLedger__factory.connect(ledgerAddress, signers[index]);
  for (const account of roles.gateways)
    changes.push(await grantRole(asOperator, "gateway", account));
  for (const account of roles.users) changes.push(await grantRole(asOperator, "user", account));
  return changes;
}
