import { parseAddress } from "../../offchain/control/controlArguments.js";
import {
  listRoleHolders,
  planPause,
  planRoleChange,
  planUnpause,
} from "../../offchain/control/ledgerOperations.js";
import { parseRoleName, type RoleName } from "../../offchain/control/roles.js";
import {
  controlAction,
  readAction,
  required,
  roleRule,
  type ControlTaskArgs,
} from "./controlTask.js";

/** The actions of ledger:pause, ledger:unpause, ledger:status, gateways:* and roles:list. */

export const pause = controlAction({
  parse: () => ({}),
  // Supervisors may pause too (an auditor's emergency stop), but not resume.
  signer: (env) => roleRule(env.reader, ["operator", "supervisor"]),
  plan: (ctx) => planPause(ctx),
  done: () => "paused every submission path",
});

export const unpause = controlAction({
  parse: () => ({}),
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: (ctx) => planUnpause(ctx),
  done: () => "submissions resumed",
});

export const status = readAction({
  parse: () => ({}),
  read: async (_ctx, env) => ({
    ledger: env.ledger,
    accessRegistry: env.accessRegistry ?? null,
    chainId: env.chainId,
    paused: await env.reader.paused(),
    sources: await env.reader.sourceCount(),
    formats: await env.reader.formatCount(),
  }),
  text: (s) => [
    `ledger ${s.ledger} on chain ${s.chainId}: ${s.paused ? "PAUSED" : "running"}`,
    `  ${s.sources} sources, ${s.formats} formats`,
  ],
});

interface AccountArgs extends ControlTaskArgs {
  account?: string;
}

function gatewayRole(action: "grant" | "revoke") {
  return controlAction({
    parse: (a: AccountArgs) => ({
      action,
      role: "gateway" as RoleName,
      account: parseAddress("--account", required("account", a.account)),
    }),
    // Operators administer the gateway role (ILedgerRoles).
    signer: (env) => roleRule(env.reader, ["operator"]),
    plan: (ctx, _env, p) => planRoleChange(ctx, p),
    done: (o) =>
      `${action === "grant" ? "granted" : "revoked"} ${o.role} ${action === "grant" ? "to" : "from"} ${o.account}`,
  });
}

export const gatewayGrant = gatewayRole("grant");
export const gatewayRevoke = gatewayRole("revoke");

interface RoleArgs extends ControlTaskArgs {
  role?: string;
}

export const rolesList = readAction({
  parse: (a: RoleArgs) => ({ role: parseRoleName(required("role", a.role)) }),
  read: async (ctx, _env, p) => ({ role: p.role, holders: await listRoleHolders(ctx, p.role) }),
  text: ({ role, holders }: { role: RoleName; holders: string[] }) =>
    holders.length === 0 ? [`nobody holds ${role}`] : holders.map((h) => `${role} ${h}`),
});
