import { BaseError } from "../shared/BaseError.js";
import type { DataLedger } from "../../types/ethers-contracts/index.js";

/** Role names as operators type them, mapped to the ledger's role getters (O2C/C2P). */
export const ROLE_NAMES = ["admin", "operator", "supervisor", "gateway", "user", "source"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** Thrown for a role name the ledger does not know. */
export class UnknownRoleError extends BaseError {
  constructor(role: string) {
    super("ROLE_UNKNOWN", `Unknown role "${role}"; expected one of ${ROLE_NAMES.join(", ")}`, {
      details: { role },
    });
  }
}

/** Thrown when asked to grant or revoke SOURCE_ROLE, which follows the source registry. */
export class SourceRoleError extends BaseError {
  constructor() {
    super(
      "ROLE_SOURCE_MANAGED_BY_REGISTRY",
      "The source role follows the source registry: register, suspend or revoke the source there (registerSource, suspendSource, revokeSource) instead",
    );
  }
}

/** Parses an operator-typed role name. */
export function parseRoleName(role: string): RoleName {
  const name = role.trim().toLowerCase();
  if (!(ROLE_NAMES as readonly string[]).includes(name)) throw new UnknownRoleError(role);
  return name as RoleName;
}

/** The on-chain id (bytes32) of a role. */
export async function roleId(ledger: DataLedger, role: RoleName): Promise<string> {
  switch (role) {
    case "admin":
      return ledger.DEFAULT_ADMIN_ROLE();
    case "operator":
      return ledger.OPERATOR_ROLE();
    case "supervisor":
      return ledger.SUPERVISOR_ROLE();
    case "gateway":
      return ledger.GATEWAY_ROLE();
    case "user":
      return ledger.USER_ROLE();
    case "source":
      return ledger.SOURCE_ROLE();
  }
}

/** What a grant or revoke did. `changed` is false when the account already was in that state. */
export interface RoleChange {
  role: RoleName;
  account: string;
  changed: boolean;
  txHash?: string;
}

/**
 * Grants `role` to `account`, skipping accounts that already hold it so the call is safe to repeat.
 * The ledger reverts with AccessControlUnauthorizedAccount when the signer may not grant the role.
 */
export async function grantRole(
  ledger: DataLedger,
  role: RoleName,
  account: string,
): Promise<RoleChange> {
  if (role === "source") throw new SourceRoleError();
  const id = await roleId(ledger, role);
  if (await ledger.hasRole(id, account)) return { role, account, changed: false };
  const tx = await ledger.grantRole(id, account);
  await tx.wait();
  return { role, account, changed: true, txHash: tx.hash };
}

/** Revokes `role` from `account`; a no-op when the account does not hold it. */
export async function revokeRole(
  ledger: DataLedger,
  role: RoleName,
  account: string,
): Promise<RoleChange> {
  if (role === "source") throw new SourceRoleError();
  const id = await roleId(ledger, role);
  if (!(await ledger.hasRole(id, account))) return { role, account, changed: false };
  const tx = await ledger.revokeRole(id, account);
  await tx.wait();
  return { role, account, changed: true, txHash: tx.hash };
}
