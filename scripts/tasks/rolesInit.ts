import { existsSync } from "node:fs";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { applyInitialRoles, loadInitialRoles } from "../../offchain/control/initialRoles.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { chooseSigner, type ChosenSigner } from "./chooseSigner.js";
import type { ConnectionArgs } from "./connectionOptions.js";
import { connectLedger } from "./connectLedger.js";
import { parseConnectionArgs } from "./parseConnectionArgs.js";
import { runTask } from "./runTask.js";

interface Args extends ConnectionArgs {
  file?: string;
}

/**
 * The roles file of a network: `config/roles.<network>.json` in the project. There is no fallback
 * to another network's file: the local files list Hardhat's well-known development accounts, whose
 * keys are public, and must never be granted roles on a real chain by accident.
 */
function rolesFileFor(hre: HardhatRuntimeEnvironment, networkName: string): string {
  const file = path.join(hre.config.paths.root, "config", `roles.${networkName}.json`);
  if (!existsSync(file)) {
    throw new BaseError(
      "ROLES_CONFIG_NOT_FOUND",
      `no roles file for network ${networkName}: create config/roles.${networkName}.json or pass --file`,
      { details: { network: networkName, file } },
    );
  }
  return file;
}

export default runTask<Args>(async (args, hre) => {
  const choice = parseConnectionArgs(args);
  const { connection, networkName, ledger } = await connectLedger(hre, choice);
  try {
    const file = args.file ?? rolesFileFor(hre, networkName);
    const roles = await loadInitialRoles(file);
    const signers = await connection.ethers.getSigners();
    const reader = DataLedger__factory.connect(ledger, connection.ethers.provider);
    // Operators and supervisors are granted by the admin; applyInitialRoles finds a configured
    // operator among the accounts for gateways and users.
    const admin: ChosenSigner = await chooseSigner(reader, signers, choice.signer, {
      adminRole: "admin",
      action: "grant",
      role: "operator",
    });
    console.log(`signer ${admin.address} (${admin.reason}; network ${networkName})`);
    console.log(`roles from ${args.file ?? path.relative(hre.config.paths.root, file)}`);
    const changes = await applyInitialRoles(ledger, admin.signer, signers, roles);
    for (const c of changes)
      console.log(`${c.changed ? "granted" : "kept   "} ${c.role.padEnd(10)} ${c.account}`);
  } finally {
    await connection.close();
  }
});
