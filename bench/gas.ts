/**
 * Gas benchmark: what anchoring one record costs on the DataLedger, by each submission path,
 * against its closest Ethereum Attestation Service peer, on Hardhat's in-process network.
 * Writes bench/results/gas.json (committed, so a dearer change shows up in review) and exits
 * non-zero when a target is missed.
 *
 * Run: npm run bench:gas
 */
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { artifacts, config, network } from "hardhat";

import { compilerSettings } from "./compilerSettings.js";
import { deployEas } from "./deployEas.js";
import { deployLedger } from "./deployLedger.js";
import { measureEasGas } from "./easGas.js";
import { formatTable } from "./formatTable.js";
import { gasRow, type GasRow } from "./gasRow.js";
import { measureLedgerGas } from "./ledgerGas.js";
import type { SampleOptions } from "./medianGas.js";

const BLOCK_SIZES = [1, 16, 256, 1024, 4096];
/** EAS batch size; per-attestation cost has flattened out well before it (tx overhead < 1%). */
const EAS_BATCH = 32;
const RECORD_SAMPLING: SampleOptions = { warmup: 1, samples: 5 };
const BATCH_SAMPLING: SampleOptions = { warmup: 1, samples: 3 };

interface Target {
  name: string;
  actual: number;
  limit: number;
}

const connection = await network.create();
const { ethers } = connection;

const ledgerFixture = await deployLedger(ethers);
const easFixture = await deployEas(ethers, (await ethers.getSigners())[0]);

const ours = await measureLedgerGas(ledgerFixture, {
  records: RECORD_SAMPLING,
  blocks: BATCH_SAMPLING,
  blockSizes: BLOCK_SIZES,
});
const eas = await measureEasGas(easFixture, ledgerFixture, ledgerFixture.formatId, {
  records: RECORD_SAMPLING,
  batches: BATCH_SAMPLING,
  batch: EAS_BATCH,
});

const blockGas = (size: number): bigint => {
  const gas = ours.dataBlocks.get(size);
  if (gas === undefined) throw new Error(`no data block of ${size} measured`);
  return gas;
};
const multiAttest = `multiAttest (batch ${EAS_BATCH})`;
const multiTimestamp = `multiTimestamp (batch ${EAS_BATCH})`;
const rows: GasRow[] = [
  gasRow("submitRecord (direct)", 1, ours.direct, "attest", 1, eas.attest),
  gasRow(
    "submitRecordBySig (relayed)",
    1,
    ours.relayed,
    "attestByDelegation",
    1,
    eas.attestByDelegation,
  ),
  // A data block record is a source-signed attestation with its data off-chain, provable by
  // inclusion proof; multiAttest (data on-chain) is the like-for-like peer by function.
  ...BLOCK_SIZES.map((n) =>
    gasRow("submitDataBlock", n, blockGas(n), multiAttest, EAS_BATCH, eas.multiAttest),
  ),
  // multiTimestamp is EAS's cheapest way to put a hash on-chain, but it records neither source,
  // format nor signature: the floor to beat on price alone, not a functional equivalent.
  ...BLOCK_SIZES.map((n) =>
    gasRow("submitDataBlock", n, blockGas(n), multiTimestamp, EAS_BATCH, eas.multiTimestamp),
  ),
];

const row = (operation: string, n = 1, peer?: string): GasRow => {
  const found = rows.find(
    (r) => r.operation === operation && r.n === n && (peer === undefined || r.peer === peer),
  );
  if (found === undefined) throw new Error(`no row ${operation} N=${n}`);
  return found;
};
// Issue 10's targets for the record model v2.
const targets: Target[] = [
  { name: "direct / EAS attest", actual: row("submitRecord (direct)").ratio, limit: 0.2 },
  {
    name: "relayed / EAS attestByDelegation",
    actual: row("submitRecordBySig (relayed)").ratio,
    limit: 0.2,
  },
  {
    name: "data block gas/record at N=1024",
    actual: row("submitDataBlock", 1024, multiAttest).gasPerRecord,
    limit: 60,
  },
];

const hardfork =
  connection.networkConfig.type === "edr-simulated" ? connection.networkConfig.hardfork : "unknown";
const easVersion: string = createRequire(import.meta.url)(
  "@ethereum-attestation-service/eas-contracts/package.json",
).version;
const results = {
  settings: {
    network: { name: connection.networkName, hardfork },
    compiler: {
      DataLedger: await compilerSettings(artifacts, "DataLedger"),
      EAS: await compilerSettings(artifacts, "EAS"),
    },
    eas: { package: "@ethereum-attestation-service/eas-contracts", version: easVersion },
    gas: "receipt gasUsed incl. 21000 intrinsic, median of fresh records after a warm-up",
    sampling: { records: RECORD_SAMPLING, batches: BATCH_SAMPLING, easBatch: EAS_BATCH },
  },
  results: rows,
};
const outFile = path.join(config.paths.root, "bench", "results", "gas.json");
await mkdir(path.dirname(outFile), { recursive: true });
await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`);

console.log(formatTable(rows));
console.log();
let missed = 0;
for (const { name, actual, limit } of targets) {
  const ok = actual <= limit;
  if (!ok) missed++;
  console.log(`${ok ? "PASS" : "FAIL"}  ${name}: ${actual} (target ≤ ${limit})`);
}
console.log(`\nwrote ${path.relative(config.paths.root, outFile)}`);
await connection.close();
if (missed > 0) {
  console.error(`${missed} gas target(s) missed`);
  process.exitCode = 1;
}
