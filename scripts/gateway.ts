/**
 * `npm run gateway -- …`: the representation gateway alone (offchain/representation/main.ts),
 * after compiling the contracts whose typechain bindings it imports, as `npm start` does.
 */
import { BaseError } from "../offchain/shared/BaseError.js";
import { buildContracts } from "./lib/buildContracts.js";

try {
  // Progress on stderr: the gateway's stdout is its JSON event stream.
  await buildContracts({ root: process.cwd(), log: (line) => console.error(line) });
} catch (error) {
  const e = error as BaseError;
  process.stderr.write(`error ${e.code}: ${e.shortMessage}\n${String(e.details?.output ?? "")}\n`);
  process.exit(1);
}
await import("../offchain/representation/main.js");
