import { planRoleChange } from "../../offchain/control/ledgerOperations.js";
import {
  adminRoleOf,
  requireRoleAdmin,
  RoleAdminRequiredError,
  roleId,
} from "../../offchain/control/roles.js";
import type { SignerRule } from "./chooseSigner.js";
import { controlAction, type ControlTaskArgs } from "./controlTask.js";
import { parseRoleArgs } from "./parseRoleArgs.js";

/** The options of roles:grant and roles:revoke. */
export interface ChangeRoleArgs extends ControlTaskArgs {
  role?: string;
  account?: string;
}

/**
 * The action of roles:grant and roles:revoke: validates every option, connects, picks a signer
 * that may administer the role, then grants or revokes (a no-op when nothing would change), or
 * with --dry-run prints the call. A signer that may not administer the role is refused before
 * anything is sent, naming the role it lacks (ROLE_ADMIN_REQUIRED).
 */
export function changeRole(action: "grant" | "revoke") {
  return controlAction({
    parse: (args: ChangeRoleArgs) => ({ action, ...parseRoleArgs(args) }),
    signer: async (env, p): Promise<SignerRule> => {
      const adminRole = await adminRoleOf(env.reader, p.role);
      const adminId = await roleId(env.reader, adminRole);
      return {
        holds: adminRole,
        accepts: (address) => env.reader.hasRole(adminId, address),
        none: () => new RoleAdminRequiredError(action, p.role, adminRole, undefined),
      };
    },
    plan: async (ctx, env, p) => {
      // Already in the wanted state: nothing to send, whoever signs.
      const holds = await env.reader.hasRole(await roleId(env.reader, p.role), p.account);
      if (holds !== (action === "grant"))
        await requireRoleAdmin(env.reader, action, p.role, ctx.from);
      return planRoleChange(ctx, p);
    },
    done: (o) =>
      action === "grant"
        ? `granted ${o.role} to ${o.account}`
        : `revoked ${o.role} from ${o.account}`,
  });
}
