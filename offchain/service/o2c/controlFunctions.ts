import { getAddress, type Interface, type TransactionReceipt } from "ethers";

import { toJsonValue } from "../../control/controlPlan.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../../types/ethers-contracts/index.js";

/**
 * The functions an O2C plan may call, per contract: exactly those the controlling FE's plans
 * build (offchain/control/*Operations.ts). The relay refuses a signed transaction calling
 * anything else, so a session cannot use the service as a relay for arbitrary calls.
 */
export const CONTROL_FUNCTIONS = {
  DataLedger: [
    "registerSource",
    "suspendSource",
    "reactivateSource",
    "revokeSource",
    "rotateSourceKey",
    "setSourceFormats",
    "registerFormat",
    "deprecateFormat",
    "grantRole",
    "revokeRole",
    "pause",
    "unpause",
  ],
  AccessRegistry: [
    "createDataset",
    "setDatasetSources",
    "setDatasetFormats",
    "transferDataset",
    "grantAccess",
    "revokeAccess",
  ],
} as const;

export type ControlContract = keyof typeof CONTROL_FUNCTIONS;

const INTERFACES: Record<ControlContract, Interface> = {
  DataLedger: DataLedger__factory.createInterface(),
  AccessRegistry: AccessRegistry__factory.createInterface(),
};

/** The control function `data` calls on `contract`, or undefined when it is none of them. */
export function controlFunctionOf(
  contract: ControlContract,
  data: string,
): { name: string; signature: string } | undefined {
  const fragment = INTERFACES[contract].getFunction(data.slice(0, 10));
  if (fragment === null) return undefined;
  if (!(CONTROL_FUNCTIONS[contract] as readonly string[]).includes(fragment.name)) return undefined;
  try {
    INTERFACES[contract].decodeFunctionData(fragment, data);
  } catch {
    return undefined;
  }
  return { name: fragment.name, signature: fragment.format("sighash") };
}

/** One event of a control transaction's receipt, decoded; arguments by name, bigints as strings. */
export interface ControlEvent {
  contract: ControlContract;
  name: string;
  args: Record<string, unknown>;
  logIndex: number;
}

/** The receipt's logs emitted by the ledger or the access registry, decoded by their ABI. */
export function decodeControlEvents(
  receipt: TransactionReceipt,
  addresses: Record<ControlContract, string>,
): ControlEvent[] {
  const events: ControlEvent[] = [];
  for (const log of receipt.logs) {
    const contract = (Object.keys(addresses) as ControlContract[]).find(
      (c) => getAddress(addresses[c]) === getAddress(log.address),
    );
    if (contract === undefined) continue;
    const parsed = INTERFACES[contract].parseLog(log);
    if (parsed === null) continue;
    events.push({
      contract,
      name: parsed.name,
      args: Object.fromEntries(
        parsed.fragment.inputs.map((input, i) => [input.name, toJsonValue(parsed.args[i])]),
      ),
      logIndex: log.index,
    });
  }
  return events;
}
