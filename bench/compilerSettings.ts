import { readFile } from "node:fs/promises";

import type { ArtifactManager } from "hardhat/types/artifacts";

/** The compiler input settings that shaped a contract's bytecode, hence its gas. */
export interface CompilerSettings {
  solc: string;
  optimizer: { enabled: boolean; runs: number };
  viaIR: boolean;
  evmVersion: string;
}

/**
 * Reads the settings a contract was actually compiled with from its build info, rather than
 * from the config, which may have changed since the last build.
 *
 * @example
 * const settings = await compilerSettings(hre.artifacts, "DataLedger");
 */
export async function compilerSettings(
  artifacts: ArtifactManager,
  contractName: string,
): Promise<CompilerSettings> {
  const buildInfoId = await artifacts.getBuildInfoId(contractName);
  const path =
    buildInfoId === undefined ? undefined : await artifacts.getBuildInfoPath(buildInfoId);
  if (path === undefined)
    throw new Error(`no build info for ${contractName}; run \`hardhat build\``);
  const buildInfo = JSON.parse(await readFile(path, "utf8"));
  const { optimizer, viaIR, evmVersion } = buildInfo.input.settings;
  return {
    solc: buildInfo.solcLongVersion,
    optimizer: { enabled: optimizer?.enabled ?? false, runs: optimizer?.runs ?? 200 },
    viaIR: viaIR ?? false,
    evmVersion: evmVersion ?? "default",
  };
}
