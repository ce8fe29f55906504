import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { ROLE_NAMES } from "../../offchain/control/roles.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import { runTask } from "../../scripts/tasks/runTask.js";
import { DataLedger__factory, type DataLedger } from "../../types/ethers-contracts/index.js";
import { runHardhatCli, type CliRun } from "../helpers/runHardhatCli.js";
import { startLocalNode, type LocalNode } from "../helpers/startLocalNode.js";

/**
 * The README's operator commands, run as an operator runs them: separate `hardhat` processes
 * against a `hardhat node` (and an Anvil for a second chain), with the on-chain effect of each
 * success read back with ethers, and every user error required to be one `error <CODE>: …` line
 * on stderr with a non-zero exit, no stack trace and no "report a bug" hint.
 *
 * The node runs a random chain id, so Ignition records the deployment in a
 * `ignition/deployments/chain-<id>/` of its own (removed afterwards) and never touches a
 * developer's `chain-31337`. Any chain id but 31337 makes Ignition ask for confirmation;
 * HARDHAT_IGNITION_CONFIRM_DEPLOYMENT answers it. Commands get their settings from the
 * environment (LOCALHOST_RPC_URL, …) so their arguments are exactly the README's.
 */

const root = process.cwd();
const rolesFile = JSON.parse(
  await readFile(path.join(root, "config/roles.localhost.json"), "utf8"),
);
// Hardhat's and Anvil's development accounts 0 and 1 (the admin and the configured operator).
const ADMIN = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const OPERATOR = rolesFile.operators[0] as string;
const OPERATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const USER = rolesFile.users[0] as string;

const freshAddress = () => Wallet.createRandom().address;

/** A port nobody listens on: the OS hands one out, and we give it back at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function dump(run: CliRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

function expectSuccess(run: CliRun): void {
  expect(run.code, dump(run)).to.equal(0);
  expect(run.stderr.trim(), dump(run)).to.equal("");
}

/** One line `error <code>: …` on stderr, a non-zero exit, no stack frame, no bug-report hint. */
function expectOneLineError(run: CliRun, code: string): void {
  const lines = run.stderr.split("\n").filter((line) => line.trim() !== "");
  expect(run.code, dump(run)).to.not.equal(0);
  expect(lines, dump(run)).to.have.length(1);
  expect(lines[0], dump(run)).to.match(new RegExp(`^error ${code}: \\S`));
  expect(run.stderr, dump(run)).to.not.match(/^\s+at /m);
  expect(run.stdout + run.stderr, dump(run)).to.not.match(/report-bug|report it here/i);
}

/** Runs the cases at most `width` at a time: each is a Hardhat process, and two cores are shared. */
async function runAll<T>(items: T[], width: number, run: (item: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
    }),
  );
}

describe("operator commands against a running node (system)", function () {
  this.timeout(120_000);

  let node: LocalNode;
  let configDir: string;
  let deploymentDir: string;
  let provider: JsonRpcProvider;
  let ledger: DataLedger;
  let accessRegistry: string;

  /** What every command gets: the node's URL for `--network localhost`, and a config dir of its own. */
  const env = (extra: Record<string, string | undefined> = {}) => ({
    LOCALHOST_RPC_URL: node.url,
    // The keystore lives in Hardhat's config dir: an empty one of our own means no password prompt
    // from a real keystore, and a development keystore the keystore test can write to.
    XDG_CONFIG_HOME: configDir,
    BESU_RPC_URL: undefined,
    BESU_OPERATOR_KEY: undefined,
    ...extra,
  });
  const hardhat = (args: string[], extra: Record<string, string | undefined> = {}) =>
    runHardhatCli(args, env(extra));
  const hasRole = async (role: "OPERATOR_ROLE" | "USER_ROLE" | "SUPERVISOR_ROLE", who: string) =>
    ledger.hasRole(await ledger[role](), who);

  before(async () => {
    let chainId: number;
    do {
      chainId = 70_000 + Math.floor(Math.random() * 20_000);
      deploymentDir = path.join(root, "ignition", "deployments", `chain-${chainId}`);
    } while (existsSync(deploymentDir));
    node = await startLocalNode("hardhat", { chainId });
    configDir = await mkdtemp(path.join(tmpdir(), "dataledger-operator-"));
    provider = new JsonRpcProvider(node.url, chainId, { staticNetwork: true });
  });

  after(async () => {
    provider?.destroy();
    await node?.stop();
    await rm(deploymentDir, { recursive: true, force: true });
    if (configDir !== undefined) await rm(configDir, { recursive: true, force: true });
  });

  it("ignition deploy ignition/modules/DataLedger.ts --network localhost reaches LOCALHOST_RPC_URL", async () => {
    const run = await hardhat(
      ["ignition", "deploy", "ignition/modules/DataLedger.ts", "--network", "localhost"],
      {
        HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true",
        // Ignition builds with the `production` profile, and this project defines only `default`:
        // the two share artifacts/, so each would recompile everything (≈25 s) after the other.
        // The global option from the environment keeps the build `hardhat test` just made.
        HARDHAT_BUILD_PROFILE: "default",
      },
    );
    expect(run.code, dump(run)).to.equal(0);
    const addresses = JSON.parse(
      await readFile(path.join(deploymentDir, "deployed_addresses.json"), "utf8"),
    );
    ledger = DataLedger__factory.connect(addresses["DataLedgerModule#DataLedger"], provider);
    accessRegistry = addresses["DataLedgerModule#AccessRegistry"];
    expect(await ledger.hasRole(await ledger.DEFAULT_ADMIN_ROLE(), ADMIN)).to.equal(true);
  });

  it("roles:init --network localhost grants config/roles.localhost.json, and again changes nothing", async () => {
    const run = await hardhat(["roles:init", "--network", "localhost"]);
    expectSuccess(run);
    expect(run.stdout).to.include(`signer ${ADMIN} (account 0, the first that holds admin`);
    expect(run.stdout).to.include("roles from config/roles.localhost.json");
    expect(await hasRole("OPERATOR_ROLE", OPERATOR)).to.equal(true);
    expect(await hasRole("SUPERVISOR_ROLE", rolesFile.supervisors[0])).to.equal(true);
    expect(await ledger.hasRole(await ledger.GATEWAY_ROLE(), rolesFile.gateways[0])).to.equal(true);
    expect(await hasRole("USER_ROLE", USER)).to.equal(true);

    const again = await hardhat(["roles:init", "--network", "localhost"]);
    expectSuccess(again);
    expect(again.stdout).to.not.match(/^granted/m);
  });

  it("roles:grant --role operator --account … signs as the admin it finds, and says so", async () => {
    const account = freshAddress();
    const run = await hardhat([
      "roles:grant",
      "--role",
      "operator",
      "--account",
      account,
      "--network",
      "localhost",
    ]);
    expectSuccess(run);
    expect(run.stdout).to.include(`signer ${ADMIN} (account 0, the first that holds admin`);
    expect(run.stdout).to.include(`granted operator to ${account}`);
    expect(await hasRole("OPERATOR_ROLE", account)).to.equal(true);
  });

  it("roles:revoke --role user --account … --signer 1 signs as the operator, and is a no-op the second time", async () => {
    const args = ["roles:revoke", "--role", "user", "--account", USER, "--network", "localhost"];
    const run = await hardhat([...args, "--signer", "1"]);
    expectSuccess(run);
    expect(run.stdout).to.include(`signer ${OPERATOR} (account 1, --signer`);
    expect(await hasRole("USER_ROLE", USER)).to.equal(false);

    const again = await hardhat([...args, "--signer", "1"]);
    expectSuccess(again);
    expect(again.stdout).to.include(`${USER} does not hold user`);
  });

  it("--private-key-var signs with a key from the environment, and --rpc-url alone reaches the node", async () => {
    const run = await hardhat(
      [
        "roles:grant",
        "--role",
        "user",
        "--account",
        USER,
        "--rpc-url",
        node.url,
        "--private-key-var",
        "DATALEDGER_TEST_OPERATOR_KEY",
      ],
      { DATALEDGER_TEST_OPERATOR_KEY: OPERATOR_KEY, LOCALHOST_RPC_URL: undefined },
    );
    expectSuccess(run);
    expect(run.stdout).to.include(`signer ${OPERATOR} (key from DATALEDGER_TEST_OPERATOR_KEY`);
    expect(await hasRole("USER_ROLE", USER)).to.equal(true);
  });

  it("--private-key-var signs with a key from the Hardhat keystore", async () => {
    const set = await runHardhatCli(
      ["keystore", "set", "--dev", "DATALEDGER_KEYSTORE_OPERATOR_KEY"],
      env(),
      { input: `${OPERATOR_KEY}\n` },
    );
    expect(set.code, dump(set)).to.equal(0);
    const run = await hardhat([
      "roles:revoke",
      "--role",
      "user",
      "--account",
      USER,
      "--network",
      "localhost",
      "--private-key-var",
      "DATALEDGER_KEYSTORE_OPERATOR_KEY",
    ]);
    expectSuccess(run);
    expect(run.stdout).to.include(`signer ${OPERATOR} (key from DATALEDGER_KEYSTORE_OPERATOR_KEY`);
    expect(await hasRole("USER_ROLE", USER)).to.equal(false);
  });

  it("refuses a signer that may not administer the role, before sending, with ROLE_ADMIN_REQUIRED", async () => {
    const blockBefore = await provider.getBlockNumber();
    const user = freshAddress();
    const operator = freshAddress();
    const cases: { args: string[]; env?: Record<string, string> }[] = [
      // The admin is not an operator, and operators administer users.
      { args: ["--role", "user", "--account", user, "--signer", "0"] },
      // An operator cannot make operators: the admin does.
      { args: ["--role", "operator", "--account", operator, "--signer", "1"] },
      // A key that holds nothing.
      {
        args: ["--role", "user", "--account", user, "--private-key-var", "STRANGER_KEY"],
        env: { STRANGER_KEY: Wallet.createRandom().privateKey },
      },
      // Hardhat prints stack traces for its own errors on CI; ours stay one line there too.
      { args: ["--role", "user", "--account", user, "--signer", "0"], env: { CI: "true" } },
    ];
    await runAll(cases, 2, async ({ args, env: extra }) => {
      const run = await hardhat(["roles:grant", ...args, "--network", "localhost"], extra);
      expectOneLineError(run, "ROLE_ADMIN_REQUIRED");
    });
    expect(await hasRole("USER_ROLE", user)).to.equal(false);
    expect(await hasRole("OPERATOR_ROLE", operator)).to.equal(false);

    // Revoking is guarded the same way, and the message names who lacks which role.
    const run = await hardhat([
      "roles:revoke",
      "--role",
      "supervisor",
      "--account",
      rolesFile.supervisors[0],
      "--network",
      "localhost",
      "--signer",
      "1",
    ]);
    expectOneLineError(run, "ROLE_ADMIN_REQUIRED");
    expect(run.stderr).to.include(`${OPERATOR} cannot revoke supervisor: it needs admin`);
    expect(await hasRole("SUPERVISOR_ROLE", rolesFile.supervisors[0])).to.equal(true);
    // Nothing was sent: a refused transaction would still have been mined.
    expect(await provider.getBlockNumber()).to.equal(blockBefore);
  });

  it("refuses bad and missing arguments with one line each", async () => {
    const account = freshAddress();
    const cases: { args: string[]; code: string; env?: Record<string, string> }[] = [
      {
        args: ["roles:grant", "--role", "user", "--account", "0x1234"],
        code: "TASK_INVALID_ACCOUNT",
      },
      { args: ["roles:grant", "--role", "root", "--account", account], code: "ROLE_UNKNOWN" },
      {
        args: ["roles:grant", "--role", "source", "--account", account],
        code: "ROLE_SOURCE_MANAGED_BY_REGISTRY",
      },
      { args: ["roles:grant", "--account", account], code: "TASK_MISSING_OPTION" },
      { args: ["roles:revoke", "--role", "user"], code: "TASK_MISSING_OPTION" },
      {
        args: ["roles:grant", "--role", "user", "--account", account, "--signer", "one"],
        code: "TASK_INVALID_OPTION",
      },
      {
        args: ["roles:grant", "--role", "user", "--account", account, "--signer", "99"],
        code: "SIGNER_INDEX_OUT_OF_RANGE",
      },
      {
        args: [
          "roles:grant",
          "--role",
          "user",
          "--account",
          account,
          "--signer",
          "1",
          "--private-key-var",
          "K",
        ],
        code: "TASK_CONFLICTING_OPTIONS",
      },
      {
        args: [
          "roles:grant",
          "--role",
          "user",
          "--account",
          account,
          "--private-key-var",
          "UNSET_KEY",
        ],
        code: "SIGNER_KEY_NOT_FOUND",
      },
      {
        args: [
          "roles:grant",
          "--role",
          "user",
          "--account",
          account,
          "--private-key-var",
          "SHORT_KEY",
        ],
        env: { SHORT_KEY: "0x1234" },
        code: "SIGNER_KEY_INVALID",
      },
      {
        args: ["roles:grant", "--role", "user", "--account", account, "--private-key-var", "0xabc"],
        code: "TASK_INVALID_OPTION",
      },
      { args: ["roles:init", "--file", "config/roles.nowhere.json"], code: "ROLES_CONFIG_INVALID" },
    ];
    await runAll(cases, 3, async ({ args, code, env: extra }) => {
      const run = await hardhat([...args, "--network", "localhost"], extra);
      expectOneLineError(run, code);
    });
    expect(await hasRole("USER_ROLE", account)).to.equal(false);
  });

  it("refuses unreachable nodes, unknown networks, ledgers and deployments with one line each", async () => {
    const other = await startLocalNode("anvil", {
      chainId: 60_000 + Math.floor(Math.random() * 9_000),
    });
    const account = freshAddress();
    const grant = ["roles:grant", "--role", "user", "--account", account];
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const cases: { args: string[]; code: string; env?: Record<string, string | undefined> }[] = [
      { args: [...grant, "--rpc-url", dead], code: "NODE_UNREACHABLE" },
      {
        args: [...grant, "--network", "localhost"],
        env: { LOCALHOST_RPC_URL: dead },
        code: "NODE_UNREACHABLE",
      },
      { args: [...grant, "--rpc-url", "ftp://127.0.0.1"], code: "TASK_INVALID_OPTION" },
      {
        args: [...grant, "--network", "localhost"],
        env: { LOCALHOST_RPC_URL: "not a url" },
        code: "TASK_INVALID_OPTION",
      },
      // Hardhat's in-process network would forget the change when the command ends.
      { args: grant, code: "NETWORK_IN_PROCESS" },
      { args: [...grant, "--network", "nowhere"], code: "NETWORK_UNKNOWN" },
      { args: [...grant, "--network", "besu"], code: "CONFIG_VARIABLE_NOT_FOUND" },
      // A chain without an Ignition record.
      { args: [...grant, "--rpc-url", other.url], code: "DEPLOYMENT_NOT_FOUND" },
      {
        args: [...grant, "--network", "localhost", "--ledger", "0x12"],
        code: "TASK_INVALID_OPTION",
      },
      {
        args: [...grant, "--network", "localhost", "--ledger", freshAddress()],
        code: "LEDGER_NOT_DEPLOYED",
      },
      {
        args: [...grant, "--network", "localhost", "--ledger", accessRegistry],
        code: "LEDGER_NOT_DATALEDGER",
      },
      // besu's URL and key overridden: the network name picks config/roles.besu.json, absent.
      {
        args: ["roles:init", "--network", "besu", "--rpc-url", node.url, "--private-key-var", "K"],
        env: { K: OPERATOR_KEY },
        code: "ROLES_CONFIG_NOT_FOUND",
      },
    ];
    try {
      await runAll(cases, 3, async ({ args, code, env: extra }) => {
        expectOneLineError(await hardhat(args, extra), code);
      });
    } finally {
      await other.stop();
    }
    expect(await hasRole("USER_ROLE", account)).to.equal(false);
  });

  it("--help shows --role and --account as required and names every role", async () => {
    for (const id of ["roles:grant", "roles:revoke"]) {
      const run = await runHardhatCli([id, "--help"]);
      expect(run.code, dump(run)).to.equal(0);
      expect(run.stdout).to.match(/^\s+--role\s+Required\./m);
      expect(run.stdout).to.match(/^\s+--account\s+Required\./m);
      const roleLine = run.stdout.split("\n").find((line) => /^\s+--role\s/.test(line))!;
      for (const role of ROLE_NAMES) expect(roleLine).to.include(role);
      expect(roleLine).to.include("source registry");
      for (const option of ["--signer", "--private-key-var", "--rpc-url", "--ledger"]) {
        expect(run.stdout).to.include(option);
      }
    }
  });
});

describe("scripts/tasks/runTask", () => {
  const hre = {} as HardhatRuntimeEnvironment;

  async function capture(action: () => Promise<void>) {
    const lines: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void lines.push(args.join(" "));
    try {
      return { result: await runTask(action)(undefined, hre), lines };
    } finally {
      console.error = original;
    }
  }

  it("turns a revert that slipped past the checks into LEDGER_REVERTED with the decoded error", async () => {
    const iface = DataLedger__factory.createInterface();
    const data = iface.encodeErrorResult("AccessControlUnauthorizedAccount", [
      OPERATOR,
      "0x" + "00".repeat(32),
    ]);
    // What Hardhat's HTTP provider throws for "execution reverted" (JSON-RPC code 3).
    const providerError = Object.defineProperty(
      Object.assign(new Error("execution reverted"), { code: 3, data }),
      "_isProviderError",
      { value: true },
    );
    const { result, lines } = await capture(async () => {
      throw providerError;
    });
    expect(result.success).to.equal(false);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^error LEDGER_REVERTED: .*AccessControlUnauthorizedAccount\(/);
  });

  it("adds the CLI hint to ROLE_ADMIN_REQUIRED, and rethrows what is not a user error", async () => {
    const { lines } = await capture(async () => {
      throw new BaseError("ROLE_ADMIN_REQUIRED", "0xabc cannot grant user: it needs operator");
    });
    expect(lines).to.deep.equal([
      "error ROLE_ADMIN_REQUIRED: 0xabc cannot grant user: it needs operator (use --signer or --private-key-var)",
    ]);
    const bug = new TypeError("a bug");
    let thrown: unknown;
    try {
      await capture(async () => {
        throw bug;
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.equal(bug);
  });
});
