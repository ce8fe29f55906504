import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

import { BaseError } from "../../offchain/shared/BaseError.js";

/** The contracts the off-chain modules deploy or bind to: all `npm start` needs compiled. */
/** What a deployment runs: the ledger, the judge its constructor deploys, the access registry. */
export const DEPLOYED_CONTRACTS = [
  "contracts/DataLedger.sol",
  "contracts/DataBlockJudge.sol",
  "contracts/AccessRegistry.sol",
];

/** Thrown when `hardhat build` fails; its output is in `details.output`. */
export class ContractBuildError extends BaseError {
  constructor(output: string, code: number | null) {
    super("CONTRACT_BUILD_FAILED", "Compiling the contracts failed (hardhat build)", {
      details: { output, exitCode: code },
    });
  }
}

/**
 * Compiles the deployed contracts and writes their typechain bindings (`types/`), which the
 * off-chain modules import. Builds only those two files, with the measured compiler settings:
 * about 10 s with the wasm compiler the first time, and Hardhat's cache makes it a no-op after
 * that; the Solidity tests and the EAS benchmark peer are left to `npm test`.
 *
 * @example
 * await buildContracts({ root: process.cwd(), log: console.log });
 */
export async function buildContracts(options: {
  root: string;
  log: (line: string) => void;
}): Promise<void> {
  const started = Date.now();
  const hardhat = path.join(options.root, "node_modules", ".bin", "hardhat");
  const child = spawn(hardhat, ["build", "--no-tests", ...DEPLOYED_CONTRACTS], {
    cwd: options.root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Piped, Hardhat prints nothing until it is done: say up front when the long case is coming.
  if (!existsSync(path.join(options.root, "types", "ethers-contracts", "index.ts"))) {
    options.log(
      "[build] compiling the contracts with the solc wasm compiler (first run: about 15 s)",
    );
  }
  let output = "";
  const onData = (chunk: Buffer) => (output += chunk.toString());
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new ContractBuildError(output.trim(), code);
  if (/Compiled \d+ Solidity file/.test(output)) {
    options.log(`[build] contracts compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
