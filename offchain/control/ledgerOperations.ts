import { getAddress } from "ethers";

import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { checkedCall, type ControlContext, type ControlPlan } from "./controlPlan.js";
import { AdminRoleTransferError, roleId, SourceRoleError, type RoleName } from "./roles.js";

/*
 * The ledger's own control operations: the emergency pause, role changes as checked plans (the
 * gateway role: the representation FE's on-chain identity), and who holds a role.
 */

const LEDGER = DataLedger__factory.createInterface();

/** pause: stops every submission path. Operators and supervisors. */
export async function planPause(ctx: ControlContext): Promise<ControlPlan<{ paused: true }>> {
  return {
    operation: "ledger:pause",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "pause", []),
    outcome: () => ({ paused: true }),
  };
}

/** unpause: resumes submissions. Operators only. */
export async function planUnpause(ctx: ControlContext): Promise<ControlPlan<{ paused: false }>> {
  return {
    operation: "ledger:unpause",
    call: await checkedCall(ctx, "DataLedger", LEDGER, "unpause", []),
    outcome: () => ({ paused: false }),
  };
}

/**
 * grantRole / revokeRole as a plan; `unchanged` (nothing to send) when the account already is in
 * the wanted state, so repeating a set-up is harmless.
 */
export async function planRoleChange(
  ctx: ControlContext,
  p: { action: "grant" | "revoke"; role: RoleName; account: string },
): Promise<ControlPlan<{ role: RoleName; account: string }>> {
  if (p.role === "source") throw new SourceRoleError();
  if (p.role === "admin") throw new AdminRoleTransferError();
  const ledger = DataLedger__factory.connect(ctx.ledger, ctx.provider);
  const id = await roleId(ledger, p.role);
  const operation = `roles:${p.action}`;
  const outcome = () => ({ role: p.role, account: p.account });
  const holds = await ledger.hasRole(id, p.account);
  if (holds === (p.action === "grant")) {
    return {
      operation,
      unchanged: `${p.account} ${holds ? "already holds" : "does not hold"} ${p.role}`,
      outcome,
    };
  }
  const name = p.action === "grant" ? "grantRole" : "revokeRole";
  return {
    operation,
    call: await checkedCall(ctx, "DataLedger", LEDGER, name, [id, p.account]),
    outcome,
  };
}

/**
 * The current holders of a role. The ledger is not AccessControlEnumerable (it would cost every
 * grant storage writes), so holders are replayed from RoleGranted/RoleRevoked, which the ledger
 * emits for every role including the derived SOURCE_ROLE, and each is confirmed with hasRole.
 */
export async function listRoleHolders(
  ctx: Omit<ControlContext, "from">,
  role: RoleName,
): Promise<string[]> {
  const ledger = DataLedger__factory.connect(ctx.ledger, ctx.provider);
  const id = await roleId(ledger, role);
  const [granted, revoked] = await Promise.all([
    ledger.queryFilter(ledger.filters.RoleGranted(id), ctx.fromBlock ?? 0),
    ledger.queryFilter(ledger.filters.RoleRevoked(id), ctx.fromBlock ?? 0),
  ]);
  const events = [...granted, ...revoked].sort(
    (a, b) => a.blockNumber - b.blockNumber || a.index - b.index,
  );
  const holders = new Set<string>();
  for (const e of events) {
    const account = getAddress(e.args.account);
    if (e.eventName === "RoleGranted") holders.add(account);
    else holders.delete(account);
  }
  const confirmed = await Promise.all([...holders].map((a) => ledger.hasRole(id, a)));
  return [...holders].filter((_, i) => confirmed[i]);
}
