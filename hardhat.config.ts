import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

import { configCheckTask } from "./scripts/tasks/configCheckTask.js";
import { controlTasks } from "./scripts/tasks/controlTasks.js";
import { gatewayControlTasks } from "./scripts/tasks/gatewayControl.js";
import { rolesTasks } from "./scripts/tasks/roles.js";

const require = createRequire(import.meta.url);

// Hardhat cannot download compilers on every machine we run on, so solc
// comes from the npm `solc` package (its wasm build) instead.
const SOLC_VERSION = "0.8.29";
const SOLJSON = require.resolve("solc/soljson.js");
const COMPILER = {
  version: SOLC_VERSION,
  path: SOLJSON,
  settings: {
    // 1,000 runs, not 10,000: about the same gas per record (npm run bench:gas, figures in
    // bench/results/gas.json) and 1.5 kB less code, which the ledger needs to stay under the
    // 24,576-byte limit.
    optimizer: { enabled: true, runs: 1_000 },
    viaIR: true,
    evmVersion: "cancun",
  },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  tasks: [...rolesTasks, ...controlTasks, ...gatewayControlTasks, configCheckTask],
  solidity: {
    // One set of compiler settings, the one the gas benchmark measures, for tests and for
    // deployments alike. `ignition deploy` builds with `production`, whose built-in defaults
    // (200 runs, no viaIR, isolated builds) deployed other bytecode than the measured one, and
    // an isolated build of the types-only DataLedgerTypes.sol left a build-info file that made
    // the next `hardhat node` fail to start.
    profiles: {
      default: COMPILER,
      production: { ...COMPILER, isolated: false },
    },
    // Benchmark peer, compiled from its npm package as its authors ship it.
    npmFilesToBuild: [
      "@ethereum-attestation-service/eas-contracts/contracts/EAS.sol",
      "@ethereum-attestation-service/eas-contracts/contracts/SchemaRegistry.sol",
    ],
  },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    // `hardhat node` or Anvil on this machine; LOCALHOST_RPC_URL (environment or keystore) points
    // every command, Ignition's included, at another port or host. Tasks also take --rpc-url.
    localhost: {
      type: "http",
      chainType: "l1",
      url: configVariable("LOCALHOST_RPC_URL", { default: "http://127.0.0.1:8545" }),
    },
    besu: {
      type: "http",
      chainType: "l1",
      url: configVariable("BESU_RPC_URL"),
      accounts: [configVariable("BESU_OPERATOR_KEY")],
    },
  },
});
