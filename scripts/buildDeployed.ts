/**
 * Compiles only the contracts the off-chain modules deploy (`npm run demo` runs it first, so a
 * fresh clone's demo does not compile the Solidity tests and the EAS benchmark peer too).
 */
import { BaseError } from "../offchain/shared/BaseError.js";
import { buildContracts } from "./lib/buildContracts.js";

try {
  await buildContracts({ root: process.cwd(), log: (line) => console.log(line) });
} catch (error) {
  const e = error as BaseError;
  process.stderr.write(`error ${e.code}: ${e.shortMessage}\n${String(e.details?.output ?? "")}\n`);
  process.exit(1);
}
