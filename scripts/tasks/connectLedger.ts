import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { getAddress, isAddress } from "ethers";

import { readSuiteAddresses } from "../../offchain/chain/deployment.js";
import { parseRoleName, type RoleName } from "../../offchain/control/roles.js";
import { BaseError } from "../../offchain/shared/BaseError.js";

/** Validates the --role and --account options of the roles tasks. */
export function requireRoleArgs(args: { role?: string; account?: string }): {
  role: RoleName;
  account: string;
} {
  if (args.role === undefined)
    throw new BaseError("TASK_MISSING_OPTION", "--role is required", {
      details: { option: "role" },
    });
  if (args.account === undefined || !isAddress(args.account)) {
    throw new BaseError("TASK_INVALID_ACCOUNT", "--account must be an address (0x…)", {
      details: { account: args.account },
    });
  }
  return { role: parseRoleName(args.role), account: getAddress(args.account) };
}

/** Opens a connection for a task and resolves the ledger address (option, else Ignition's record). */
export async function connectLedger(hre: HardhatRuntimeEnvironment, ledgerOption: string) {
  const connection = await hre.network.create();
  const { ethers } = connection;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const ledger = ledgerOption !== "" ? ledgerOption : (await readSuiteAddresses(chainId)).ledger;
  const signers = await ethers.getSigners();
  return { connection, ethers, ledger, signers };
}
