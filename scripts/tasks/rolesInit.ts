import { existsSync } from "node:fs";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { applyInitialRoles, loadInitialRoles } from "../../offchain/control/initialRoles.js";
import { connectLedger } from "./connectLedger.js";

interface Args {
  file: string;
  ledger: string;
}

export default async function rolesInit(args: Args, hre: HardhatRuntimeEnvironment) {
  const { connection, ledger, signers } = await connectLedger(hre, args.ledger);
  const perNetwork = `config/roles.${connection.networkName}.json`;
  const file =
    args.file !== ""
      ? args.file
      : existsSync(perNetwork)
        ? perNetwork
        : "config/roles.hardhat.json";
  const changes = await applyInitialRoles(
    ledger,
    signers[0],
    signers,
    await loadInitialRoles(file),
  );
  for (const c of changes)
    console.log(`${c.changed ? "granted" : "kept   "} ${c.role.padEnd(10)} ${c.account}`);
}
