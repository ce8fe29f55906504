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

/**
 * Thrown when asked to grant or revoke the admin role, which the ledger moves only by a delayed
 * two-step transfer (AccessControlDefaultAdminRules): the admin calls beginDefaultAdminTransfer,
 * the new admin acceptDefaultAdminTransfer once the delay has passed.
 */
export class AdminRoleTransferError extends BaseError {
  constructor() {
    super(
      "ROLE_ADMIN_TWO_STEP",
      "The admin role is not granted or revoked: the admin schedules a successor (beginDefaultAdminTransfer), who accepts once the delay has passed (acceptDefaultAdminTransfer)",
    );
  }
}

/**
 * Thrown before sending a grant or revoke the ledger would refuse (AccessControlUnauthorizedAccount):
 * `signer` does not hold `adminRole`, the role that administers `role`. `signer` is undefined when
 * no candidate signer holds it.
 */
export class RoleAdminRequiredError extends BaseError {
  constructor(
    action: "grant" | "revoke",
    role: RoleName,
    adminRole: RoleName,
    signer: string | undefined,
  ) {
    super(
      "ROLE_ADMIN_REQUIRED",
      signer === undefined
        ? `no available account can ${action} ${role}: it needs ${adminRole}`
        : `${signer} cannot ${action} ${role}: it needs ${adminRole}`,
      { details: { action, role, adminRole, signer } },
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

/**
 * The role that administers `role`, read from the ledger (getRoleAdmin) rather than restated here,
 * so a redeployed ledger with other admins is still answered truthfully.
 */
export async function adminRoleOf(ledger: DataLedger, role: RoleName): Promise<RoleName> {
  if (role === "source") throw new SourceRoleError();
  const adminId = await ledger.getRoleAdmin(await roleId(ledger, role));
  const ids = await Promise.all(ROLE_NAMES.map((name) => roleId(ledger, name)));
  const index = ids.indexOf(adminId);
  if (index < 0) {
    throw new BaseError("ROLE_ADMIN_UNKNOWN", `${role} is administered by an unnamed role`, {
      details: { role, adminId },
    });
  }
  return ROLE_NAMES[index];
}

/**
 * Throws RoleAdminRequiredError unless `signer` may grant or revoke `role` on this ledger. Checked
 * before sending so callers get a typed error naming the missing role instead of a raw revert.
 */
export async function requireRoleAdmin(
  ledger: DataLedger,
  action: "grant" | "revoke",
  role: RoleName,
  signer: string,
): Promise<void> {
  const adminRole = await adminRoleOf(ledger, role);
  if (!(await ledger.hasRole(await roleId(ledger, adminRole), signer))) {
    throw new RoleAdminRequiredError(action, role, adminRole, signer);
  }
}

/** What a grant or revoke did. `changed` is false when the account already was in that state. */
export interface RoleChange {
  role: RoleName;
  account: string;
  changed: boolean;
  txHash?: string;
}

/** The address `ledger` sends from; grants and revokes need a connected signer. */
async function senderOf(ledger: DataLedger): Promise<string> {
  const runner = ledger.runner as { getAddress?: () => Promise<string> } | null;
  if (typeof runner?.getAddress !== "function") {
    throw new BaseError("ROLE_SIGNER_MISSING", "The ledger is not connected to a signer");
  }
  return runner.getAddress();
}

/**
 * Grants `role` to `account`, skipping accounts that already hold it so the call is safe to repeat.
 * Throws RoleAdminRequiredError, before sending, when the connected signer may not grant the role.
 */
export async function grantRole(
  ledger: DataLedger,
  role: RoleName,
  account: string,
): Promise<RoleChange> {
  if (role === "source") throw new SourceRoleError();
  if (role === "admin") throw new AdminRoleTransferError();
  const id = await roleId(ledger, role);
  if (await ledger.hasRole(id, account)) return { role, account, changed: false };
  await requireRoleAdmin(ledger, "grant", role, await senderOf(ledger));
  const tx = await ledger.grantRole(id, account);
  await tx.wait();
  return { role, account, changed: true, txHash: tx.hash };
}

/** Revokes `role` from `account`; a no-op when the account does not hold it. Same checks as grantRole. */
export async function revokeRole(
  ledger: DataLedger,
  role: RoleName,
  account: string,
): Promise<RoleChange> {
  if (role === "source") throw new SourceRoleError();
  if (role === "admin") throw new AdminRoleTransferError();
  const id = await roleId(ledger, role);
  if (!(await ledger.hasRole(id, account))) return { role, account, changed: false };
  await requireRoleAdmin(ledger, "revoke", role, await senderOf(ledger));
  const tx = await ledger.revokeRole(id, account);
  await tx.wait();
  return { role, account, changed: true, txHash: tx.hash };
}
