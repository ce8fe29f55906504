import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { revokeRole } from "../../offchain/control/roles.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { connectLedger, requireRoleArgs } from "./connectLedger.js";

interface Args {
  role?: string;
  account?: string;
  ledger: string;
}

export default async function rolesRevoke(args: Args, hre: HardhatRuntimeEnvironment) {
  const { role, account } = requireRoleArgs(args);
  const { ledger, signers } = await connectLedger(hre, args.ledger);
  const change = await revokeRole(DataLedger__factory.connect(ledger, signers[0]), role, account);
  console.log(
    change.changed
      ? `revoked ${role} from ${account} (tx ${change.txHash})`
      : `${account} does not hold ${role}`,
  );
}
