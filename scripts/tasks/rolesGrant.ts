import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { grantRole } from "../../offchain/control/roles.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { connectLedger, requireRoleArgs } from "./connectLedger.js";

interface Args {
  role?: string;
  account?: string;
  ledger: string;
}

export default async function rolesGrant(args: Args, hre: HardhatRuntimeEnvironment) {
  const { role, account } = requireRoleArgs(args);
  const { ledger, signers } = await connectLedger(hre, args.ledger);
  const change = await grantRole(DataLedger__factory.connect(ledger, signers[0]), role, account);
  console.log(
    change.changed
      ? `granted ${role} to ${account} (tx ${change.txHash})`
      : `${account} already holds ${role}`,
  );
}
