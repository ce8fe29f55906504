// Mutation testing (issue 10) of the modules where a silent bug costs most. One module per run,
// chosen by MUTATION_MODULE (scripts/mutation.ts runs them all and writes
// bench/results/mutation.json): each mutates only its own files and runs only the tests that
// exercise them, so a run stays within what a 2-core machine shared with other suites affords.
//
// The tests are the project's mocha tests, loaded by Stryker's mocha runner with tsx as the
// loader (what `hardhat test mocha` does too): importing "hardhat" builds the runtime from
// hardhat.config.ts, so the contracts must have been built (`npm run compile`) first.
// Solidity is not mutated: Stryker mutates JavaScript and TypeScript only.

export const modules = {
  sdk: {
    title: "SDK receipt verification",
    // wire.ts up to ReceiptSchema: verifyReceipt's shape check (RECEIPT_MALFORMED). The R2D
    // envelope schemas after it are the gateway's to test.
    mutate: ["offchain/sdk/verifyReceipt.ts", "offchain/sdk/wire.ts:1-141"],
    spec: ["test/offchain/sdk/verifyReceipt.test.ts", "test/offchain/sdk/*.mutants.test.ts"],
  },
  gateway: {
    title: "Gateway accept checks",
    mutate: [
      "offchain/representation/accept/validateSubmission.ts",
      "offchain/representation/accept/normalizeSubmission.ts",
      "offchain/representation/accept/acceptSubmissions.ts",
    ],
    spec: [
      "test/offchain/representation/acceptPath.test.ts",
      "test/offchain/representation/bulkDuplicates.test.ts",
      "test/offchain/representation/recordIds.test.ts",
      // Quotas are counted in acceptSubmissions.
      "test/offchain/representation/controlC2R.test.ts",
      // The envelope checks of confidential formats are in validateSubmission.
      "test/offchain/representation/confidential.test.ts",
      "test/offchain/representation/*.mutants.test.ts",
    ],
  },
  service: {
    title: "Service authorisation",
    // recordRoutes.ts: the route handlers and their authorisation helpers (through `confirm`),
    // not the OpenAPI route declarations above them (descriptions and schemas, held by the
    // document tests) nor the cursor and content-type helpers below.
    // mayReadRecord.ts: the payload read's authorisation, which the wrap route shares.
    mutate: [
      "offchain/service/ChainAuthorizer.ts",
      "offchain/service/mayReadRecord.ts",
      "offchain/service/recordRoutes.ts:142-227",
    ],
    spec: [
      "test/offchain/service/records.test.ts",
      "test/offchain/service/recordIds.test.ts",
      // isOperator (O2C) and isSourceKey (key wraps) are authorised there.
      "test/offchain/service/o2c.test.ts",
      "test/offchain/service/confidential.test.ts",
      "test/offchain/service/*.mutants.test.ts",
    ],
  },
};

const name = process.env.MUTATION_MODULE ?? "sdk";
const module = modules[name];
if (!module) throw new Error(`MUTATION_MODULE must be one of ${Object.keys(modules).join(", ")}`);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "mocha",
  plugins: ["@stryker-mutator/mocha-runner"],
  testRunnerNodeArgs: ["--import", "tsx"],
  mochaOptions: {
    spec: module.spec,
    config: "test/mutation.mocharc.json",
    "no-package": true,
  },
  mutate: module.mutate,
  coverageAnalysis: "perTest",
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
  timeoutMS: 20_000,
  timeoutFactor: 2,
  // The sandbox needs the built contracts (artifacts/, types/) but none of the local state.
  ignorePatterns: [
    "/.tools",
    "/cache",
    "/coverage",
    "/data",
    "/data-*",
    "/.scratch",
    "/test-output",
    "/bench/results",
  ],
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  // Reruns retest only the mutants whose code or covering tests changed (delete the file, or
  // pass --force, for a run from scratch).
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${name}.json`,
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
  thresholds: { high: 90, low: 85, break: null },
};
