import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { BaseError } from "../../offchain/shared/BaseError.js";

/** Where the demo set-up runs, and what it creates. */
export interface DemoSetupOptions {
  /** Simulated devices, one source each (npm start's default is 4). */
  devices: number;
  /** Where the devices' private keys are written, one owner-only file each. */
  keysDir: string;
  /** The gateway's BlobStore directory the format's schema is published to. */
  store: string;
  /** The data user granted read access (config/roles.localhost.json's user). */
  user: string;
  /** Connection options passed to every task (--rpc-url, --ledger, --access-registry), if any. */
  connection?: { rpcUrl?: string; ledger?: string; accessRegistry?: string };
  log?: (line: string) => void;
}

/** What the set-up created. */
export interface DemoSetup {
  formatId: string;
  sourceIds: bigint[];
  datasetId: bigint;
  deviceKeyFiles: string[];
}

/**
 * The whole configuration of `npm start`'s demo deployment (offchain/system/bootstrapLedger.ts)
 * done with the operator commands alone, each run through Hardhat's task runner exactly as
 * `npx hardhat <task> …` runs it: the initial roles, the air-quality format (schema published to
 * the gateway's BlobStore), one source per simulated device (each key's proof of possession signed
 * from its key file), a dataset over them, and a 30-day read grant for the data user.
 * A task that fails has printed its one-line error; this stops there with the same code.
 *
 * @example
 * await setUpDemo(hre, { devices: 4, keysDir: "data/device-keys", store: "data/blobs", user });
 */
export async function setUpDemo(
  hre: HardhatRuntimeEnvironment,
  options: DemoSetupOptions,
): Promise<DemoSetup> {
  const log = options.log ?? console.log;
  const run = async <T>(id: string, args: Record<string, unknown>): Promise<T> => {
    log(`$ npx hardhat ${id} ${describe(args)}`);
    const all: Record<string, unknown> = { ...options.connection, ...args };
    for (const [name, value] of Object.entries(all)) if (value === undefined) delete all[name];
    const result = await hre.tasks.getTask(id).run(all);
    if (!result?.success) {
      const error = result?.error as BaseError | undefined;
      throw new BaseError(error?.code ?? "DEMO_SETUP_FAILED", `${id} failed`, { cause: error });
    }
    return result.value as T;
  };

  // roles:init is a roles:* task: it has no --access-registry.
  const { accessRegistry: _unused, ...rolesConnection } = options.connection ?? {};
  await run("roles:init", { ...rolesConnection, accessRegistry: undefined });

  const format = await run<{ outcome: { formatId: string } }>("formats:register", {
    schema: "config/formats/air-quality.schema.json",
    name: "air-quality",
    formatVersion: "1.0.0",
    store: options.store,
  });
  const { formatId } = format.outcome;

  await mkdir(options.keysDir, { recursive: true, mode: 0o700 });
  const sourceIds: bigint[] = [];
  const deviceKeyFiles: string[] = [];
  for (let i = 1; i <= options.devices; i++) {
    // Stands in for the key a device generates and keeps; a real device sends only its proof
    // (sources:key-proof on the device, then sources:register --device … --key-proof …).
    const file = path.join(options.keysDir, `air-${i}.key`);
    await writeFile(file, `0x${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
    const source = await run<{ outcome: { sourceId: bigint } }>("sources:register", {
      deviceKeyFile: file,
      metadataUri: `urn:dev:air-${i}`,
      formats: formatId,
    });
    sourceIds.push(source.outcome.sourceId);
    deviceKeyFiles.push(file);
  }

  const dataset = await run<{ outcome: { datasetId: bigint } }>("datasets:create", {
    uri: "urn:dataset:air-quality",
    sources: sourceIds.join(","),
    formats: formatId,
  });
  const { datasetId } = dataset.outcome;
  await run("access:grant", { datasetId: String(datasetId), user: options.user, expires: "30d" });
  return { formatId, sourceIds, datasetId, deviceKeyFiles };
}

/** The arguments as the command line spells them. */
function describe(args: Record<string, unknown>): string {
  return Object.entries(args)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => {
      const option = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      return value === true ? option : `${option} ${String(value)}`;
    })
    .join(" ");
}
