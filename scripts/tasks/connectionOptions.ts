import type { NewTaskDefinitionBuilder, TaskArguments } from "hardhat/types/tasks";
import { ArgumentType } from "hardhat/types/arguments";

/**
 * The options every DataLedger task takes to reach a node and choose who signs. They are all
 * strings without a default and validated by the action (parseConnectionArgs), so a bad value is
 * reported on one line with our code rather than by Hardhat's argument parser.
 */
export interface ConnectionArgs {
  signer?: string;
  privateKeyVar?: string;
  rpcUrl?: string;
  ledger?: string;
}

/** Adds --signer, --private-key-var, --rpc-url and --ledger to a task. */
export function addConnectionOptions<T extends TaskArguments>(
  builder: NewTaskDefinitionBuilder<T>,
) {
  return builder
    .addOption({
      name: "signer",
      description:
        "Index of the account that signs, among the network's accounts (default: the first one holding the role that is needed)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "privateKeyVar",
      description:
        "Sign with the private key held by this configuration variable (keystore or environment), instead of --signer",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "rpcUrl",
      description:
        "JSON-RPC URL of the node (default: the --network's url; localhost's comes from LOCALHOST_RPC_URL, else http://127.0.0.1:8545)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "ledger",
      description: "DataLedger address (default: the Ignition deployment recorded for this chain)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    });
}
