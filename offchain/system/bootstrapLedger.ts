import { readFile } from "node:fs/promises";

import { HDNodeWallet, Mnemonic, type Provider, type Wallet } from "ethers";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { sendPlan, type ControlContext, type ControlPlan } from "../control/controlPlan.js";
import { planCreateDataset, planGrantAccess } from "../control/datasetOperations.js";
import { planRegisterFormat } from "../control/formatOperations.js";
import { applyInitialRoles } from "../control/initialRoles.js";
import { planRegisterSource } from "../control/sourceOperations.js";
import { formatIdOf } from "../representation/accept/loadFormatDocument.js";
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
 * Deploys the suite and configures it the way an operator would (O2C/C2P, through the
 * controlling FE's plans, as the tasks do): roles, the
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

  // The rest is what an operator's commands do (formats:register, sources:register,
  // datasets:create, access:grant): the same checked plans of the controlling FE, sent as the
  // operator (C2P), so the demo deployment and the tasks cannot drift apart.
  const ctx: ControlContext = {
    provider: actors.operator.provider!,
    ledger: ledgerAddress,
    accessRegistry: accessAddress,
    from: actors.operator.address,
  };
  const run = async <R>(plan: Promise<ControlPlan<R>>): Promise<R> =>
    (await sendPlan(await plan, actors.operator))!.outcome;

  const schema = await readFile(options.schemaPath ?? "config/formats/air-quality.schema.json");
  const formatId = (await blobStore.put(new Uint8Array(schema))) as Hex;
  await run(
    planRegisterFormat(ctx, {
      schemaHash: formatIdOf(new Uint8Array(schema)),
      name: "air-quality",
      version: "1.0.0",
      uri: `blob:${formatId}`,
      flags: 0,
    }),
  );

  // Each device proves it holds its key (and accepts the operator as owner) before it is bound.
  const domain = ledgerDomain((await ledger.runner!.provider!.getNetwork()).chainId, ledgerAddress);
  const devices: PrivateKeyAccount[] = [];
  const deviceKeys: Hex[] = [];
  const sourceIds: bigint[] = [];
  for (let i = 0; i < options.devices; i++) {
    const key = generatePrivateKey();
    const device = privateKeyToAccount(key);
    const { sourceId } = await run(
      planRegisterSource(ctx, {
        signer: device.address,
        owner: actors.operator.address,
        metadataURI: `urn:dev:air-${i + 1}`,
        formatIds: [formatId],
        keyProof: await signSourceKey({
          account: device,
          owner: actors.operator.address as Hex,
          domain,
        }),
      }),
    );
    devices.push(device);
    deviceKeys.push(key);
    sourceIds.push(sourceId);
  }

  const { datasetId } = await run(
    planCreateDataset(ctx, { uri: "urn:dataset:air-quality", sourceIds, formatIds: [formatId] }),
  );
  const latest = await actors.admin.provider!.getBlock("latest");
  await run(
    planGrantAccess(ctx, {
      datasetId,
      user: actors.user.address,
      expiresAt: BigInt(latest!.timestamp + 30 * 86_400),
    }),
  );

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
