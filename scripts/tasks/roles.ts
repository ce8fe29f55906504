import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

/**
 * Operator tasks for role administration (O2C over C2P). Examples:
 *   npx hardhat roles:grant --role operator --account 0x… --network localhost
 *   npx hardhat roles:revoke --role user --account 0x… --network localhost
 *   npx hardhat roles:init --file config/roles.hardhat.json --network localhost
 * The ledger address comes from Ignition's deployment folder unless --ledger names one.
 */
const ledgerOption = {
  name: "ledger",
  description: "DataLedger address (default: the Ignition deployment for this chain)",
  type: ArgumentType.STRING,
  defaultValue: "",
} as const;

/** roles:grant and roles:revoke take the same options; only the action differs. */
function roleChangeTask(id: string, description: string) {
  return task(id, description)
    .addOption({
      name: "role",
      description: "Role name",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "account",
      description: "Account address",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption(ledgerOption);
}

const grant = roleChangeTask(
  "roles:grant",
  "Grant a role (admin, operator, supervisor, gateway, user) to an account",
)
  .setAction(() => import("./rolesGrant.js"))
  .build();

const revoke = roleChangeTask("roles:revoke", "Revoke a role from an account")
  .setAction(() => import("./rolesRevoke.js"))
  .build();

const init = task("roles:init", "Grant the initial roles listed in a roles configuration file")
  .addOption({
    name: "file",
    description:
      "Roles file (default: config/roles.<network>.json, falling back to config/roles.hardhat.json)",
    type: ArgumentType.STRING,
    defaultValue: "",
  })
  .addOption(ledgerOption)
  .setAction(() => import("./rolesInit.js"))
  .build();

export const rolesTasks = [grant, revoke, init];
