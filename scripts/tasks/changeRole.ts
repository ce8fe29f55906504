import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { adminRoleOf, grantRole, revokeRole } from "../../offchain/control/roles.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { chooseSigner } from "./chooseSigner.js";
import type { ConnectionArgs } from "./connectionOptions.js";
import { connectLedger } from "./connectLedger.js";
import { parseConnectionArgs } from "./parseConnectionArgs.js";
import { parseRoleArgs } from "./parseRoleArgs.js";

/** The options of roles:grant and roles:revoke. */
export interface ChangeRoleArgs extends ConnectionArgs {
  role?: string;
  account?: string;
}

/**
 * The action of roles:grant and roles:revoke: validates every option, connects, picks a signer
 * that may administer the role, then grants or revokes (a no-op when nothing would change).
 */
export async function changeRole(
  action: "grant" | "revoke",
  args: ChangeRoleArgs,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  const { role, account } = parseRoleArgs(args);
  const choice = parseConnectionArgs(args);
  const { connection, networkName, ledger } = await connectLedger(hre, choice);
  try {
    const reader = DataLedger__factory.connect(ledger, connection.ethers.provider);
    const signers = await connection.ethers.getSigners();
    const adminRole = await adminRoleOf(reader, role);
    const chosen = await chooseSigner(reader, signers, choice.signer, { adminRole, action, role });
    console.log(`signer ${chosen.address} (${chosen.reason}; network ${networkName})`);
    const asSigner = DataLedger__factory.connect(ledger, chosen.signer);
    if (action === "grant") {
      const change = await grantRole(asSigner, role, account);
      console.log(
        change.changed
          ? `granted ${role} to ${account} (tx ${change.txHash})`
          : `${account} already holds ${role}`,
      );
    } else {
      const change = await revokeRole(asSigner, role, account);
      console.log(
        change.changed
          ? `revoked ${role} from ${account} (tx ${change.txHash})`
          : `${account} does not hold ${role}`,
      );
    }
  } finally {
    await connection.close();
  }
}
