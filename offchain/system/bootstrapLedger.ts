import { readFile } from "node:fs/promises";

import { HDNodeWallet, Mnemonic, type Provider, type Wallet } from "ethers";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { applyInitialRoles } from "../control/initialRoles.js";
import { ledgerDomain } from "../sdk/ledgerDomain.js";
import { signSourceKey } from "../sdk/signSourceKey.js";
import type { BlobStore } from "../storage/BlobStore.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../types/ethers-contracts/index.js";

/** Hardhat's and Anvil's development mnemonic: their default accounts are funded with it. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * The development ledger's default admin delay: none. A transfer of DEFAULT_ADMIN_ROLE still
 * takes two steps (the new admin accepts, from the next second on); deployments wait two days
 * (`ignition/modules/DataLedger.ts`).
 */
export const DEV_ADMIN_DELAY_SEC = 0;

/** The actors of a development system, one key each (Y.4561 clause 7.2). */
export interface Actors {
  admin: Wallet | HDNodeWallet;
  operator: Wallet | HDNodeWallet;
  supervisor: Wallet | HDNodeWallet;
  gateway: Wallet | HDNodeWallet;
  user: Wallet | HDNodeWallet;
}

/** Derives the actors from a mnemonic (accounts 0-4), connected to `provider`. */
export function actorsFromMnemonic(provider: Provider, phrase = DEV_MNEMONIC): Actors {
  const mnemonic = Mnemonic.fromPhrase(phrase);
  const at = (i: number) =>
    HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`).connect(provider);
  return { admin: at(0), operator: at(1), supervisor: at(2), gateway: at(3), user: at(4) };
}

export interface BootstrappedLedger {
  ledgerAddress: Hex;
  accessAddress: Hex;
  deployBlock: number;
  formatId: Hex;
  datasetId: bigint;
  devices: PrivateKeyAccount[];
  /** The devices' private keys, in `devices` order: a restarted system signs with them again. */
  deviceKeys: Hex[];
}

/**
 * Deploys the suite and configures it the way an operator would (O2C/C2P): roles, the
 * air-quality format (schema in the BlobStore, identified by its hash), one source per simulated
 * device, a dataset over them, and a 30-day read grant for the data user.
 *
 * @example
 * const ledger = await bootstrapLedger({ actors, blobStore, devices: 4 });
 */
export async function bootstrapLedger(options: {
  actors: Actors;
  blobStore: BlobStore;
  devices: number;
  schemaPath?: string;
}): Promise<BootstrappedLedger> {
  const { actors, blobStore } = options;
  const ledger = await new DataLedger__factory(actors.admin).deploy(
    actors.admin.address,
    DEV_ADMIN_DELAY_SEC,
  );
  const deployReceipt = await ledger.deploymentTransaction()!.wait();
  const ledgerAddress = (await ledger.getAddress()) as Hex;
  const access = await new AccessRegistry__factory(actors.admin).deploy(ledgerAddress);
  await access.waitForDeployment();
  const accessAddress = (await access.getAddress()) as Hex;

  await applyInitialRoles(ledgerAddress, actors.admin, [actors.operator], {
    operators: [actors.operator.address],
    supervisors: [actors.supervisor.address],
    gateways: [actors.gateway.address],
    users: [actors.user.address],
  });

  const asOperator = DataLedger__factory.connect(ledgerAddress, actors.operator);
  const schema = await readFile(options.schemaPath ?? "config/formats/air-quality.schema.json");
  const formatId = (await blobStore.put(new Uint8Array(schema))) as Hex;
  await (
    await asOperator.registerFormat(formatId, "air-quality", "1.0.0", `blob:${formatId}`, 0)
  ).wait();

  // Each device proves it holds its key (and accepts the operator as owner) before it is bound.
  const domain = ledgerDomain((await ledger.runner!.provider!.getNetwork()).chainId, ledgerAddress);
  const devices: PrivateKeyAccount[] = [];
  const deviceKeys: Hex[] = [];
  const sourceIds: bigint[] = [];
  for (let i = 0; i < options.devices; i++) {
    const key = generatePrivateKey();
    const device = privateKeyToAccount(key);
    await (
      await asOperator.registerSource(
        device.address,
        actors.operator.address,
        `0x${"00".repeat(32)}`,
        `urn:dev:air-${i + 1}`,
        [formatId],
        await signSourceKey({ account: device, owner: actors.operator.address as Hex, domain }),
      )
    ).wait();
    devices.push(device);
    deviceKeys.push(key);
    sourceIds.push(BigInt(i + 1));
  }

  const accessAsOperator = AccessRegistry__factory.connect(accessAddress, actors.operator);
  await (
    await accessAsOperator.createDataset("urn:dataset:air-quality", sourceIds, [formatId])
  ).wait();
  const datasetId = await accessAsOperator.datasetCount();
  const latest = await actors.admin.provider!.getBlock("latest");
  await (
    await accessAsOperator.grantAccess(
      datasetId,
      actors.user.address,
      latest!.timestamp + 30 * 86_400,
    )
  ).wait();

  return {
    ledgerAddress,
    accessAddress,
    deployBlock: deployReceipt!.blockNumber,
    formatId,
    datasetId,
    devices,
    deviceKeys,
  };
}
