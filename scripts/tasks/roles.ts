import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

import { addConnectionOptions } from "./connectionOptions.js";

/**
 * Operator tasks for role administration (O2C over C2P), against a running node:
 *   npx hardhat roles:init --network localhost
 *   npx hardhat roles:grant --role operator --account 0x… --network localhost
 *   npx hardhat roles:revoke --role user --account 0x… --network localhost --signer 1
 * Every task takes --signer / --private-key-var (who signs), --rpc-url (which node) and --ledger
 * (default: Ignition's record for the chain). User errors print one `error <CODE>: …` line.
 */

// Hardhat 3 options always have a default and its help brackets every one of them as optional;
// only positional arguments print as required. --role and --account stay named options, as the
// README has always shown them, so the help text says "Required" and the action enforces it.
const ROLE_HELP =
  "Required. One of: operator, supervisor (administered by admin); gateway, user (administered by operators). admin is not granted here: it moves by a delayed two-step transfer (beginDefaultAdminTransfer, acceptDefaultAdminTransfer); source is not granted here: the source registry manages it (registerSource, suspendSource, revokeSource)";

/** roles:grant and roles:revoke take the same options; only the action differs. */
function roleChangeTask(id: string, description: string) {
  return addConnectionOptions(
    task(id, description)
      .addOption({
        name: "role",
        description: ROLE_HELP,
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addOption({
        name: "account",
        description: "Required. Address (0x…) of the account that gains or loses the role",
        type: ArgumentType.STRING_WITHOUT_DEFAULT,
        defaultValue: undefined,
      })
      .addFlag({
        name: "dryRun",
        description:
          "Check the call and print it (to, function, args, calldata, signer); send nothing",
      })
      .addFlag({ name: "json", description: "Print one JSON object (for scripts)" }),
  );
}

const grant = roleChangeTask(
  "roles:grant",
  "Grant a role to an account: roles:grant --role <ROLE> --account <ADDRESS> (both required)",
)
  .setAction(() => import("./rolesGrant.js"))
  .build();

const revoke = roleChangeTask(
  "roles:revoke",
  "Revoke a role from an account: roles:revoke --role <ROLE> --account <ADDRESS> (both required)",
)
  .setAction(() => import("./rolesRevoke.js"))
  .build();

const init = addConnectionOptions(
  task("roles:init", "Grant the initial roles listed in a roles configuration file").addOption({
    name: "file",
    description: "Roles file (default: config/roles.<network>.json)",
    type: ArgumentType.STRING_WITHOUT_DEFAULT,
    defaultValue: undefined,
  }),
)
  .setAction(() => import("./rolesInit.js"))
  .build();

export const rolesTasks = [grant, revoke, init];
