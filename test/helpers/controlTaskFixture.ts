import hre from "hardhat";
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";

import { applyInitialRoles } from "../../offchain/control/initialRoles.js";
import { actorsFromMnemonic, type Actors } from "../../offchain/system/bootstrapLedger.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
  type AccessRegistry,
  type DataLedger,
} from "../../types/ethers-contracts/index.js";
import { startLocalNode, type LocalNode } from "./startLocalNode.js";

/** What one in-process task run printed and returned. */
export interface TaskRun {
  success: boolean;
  /** The stable code of a failed run. */
  code?: string;
  stdout: string[];
  stderr: string[];
  /** stdout parsed as the one JSON object of a --json run. */
  json<T = Record<string, unknown>>(): T;
}

/** A deployed suite on a spawned Anvil, with the demo's roles, and a runner for tasks. */
export interface ControlTaskFixture {
  node: LocalNode;
  provider: JsonRpcProvider;
  actors: Actors;
  ledger: DataLedger;
  access: AccessRegistry;
  /** Runs a task through Hardhat's task runner in this process, pointed at the node and suite. */
  run(id: string, args?: Record<string, unknown>): Promise<TaskRun>;
  /** The chain's nonce of every actor and the block number: equal before and after = nothing sent. */
  chainMark(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts Anvil (tasks refuse Hardhat's in-process network, which would forget every change when
 * the command ends), deploys the ledger and the access registry with the development actors
 * (accounts 0–4, as config/roles.localhost.json), grants their roles (unless `roles: false`), and
 * runs tasks in-process:
 * `hre.tasks.getTask(id).run(args)` with --rpc-url, --ledger and --access-registry filled in, so
 * each run is the task's whole action (options, connection, signer choice, output) without the
 * cost of a Hardhat process.
 *
 * @example
 * const fx = await setUpControlTasks();
 * const run = await fx.run("ledger:pause", { dryRun: true });
 */
export async function setUpControlTasks(
  options: { roles?: boolean } = {},
): Promise<ControlTaskFixture> {
  const node = await startLocalNode("anvil");
  const provider = new JsonRpcProvider(node.url, node.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  try {
    const actors = actorsFromMnemonic(provider);
    const ledger = await new DataLedger__factory(actors.admin).deploy(actors.admin.address, 0);
    await ledger.waitForDeployment();
    const access = await new AccessRegistry__factory(actors.admin).deploy(
      await ledger.getAddress(),
    );
    await access.waitForDeployment();
    if (options.roles ?? true) {
      await applyInitialRoles(await ledger.getAddress(), actors.admin, [actors.operator], {
        operators: [actors.operator.address],
        supervisors: [actors.supervisor.address],
        gateways: [actors.gateway.address],
        users: [actors.user.address],
      });
    }
    const suite = {
      rpcUrl: node.url,
      ledger: await ledger.getAddress(),
      accessRegistry: await access.getAddress(),
    };
    return {
      node,
      provider,
      actors,
      ledger: ledger.connect(provider),
      access: access.connect(provider),
      run: (id, args = {}) => runInProcess(id, { ...suite, ...args }),
      async chainMark() {
        const nonces = await Promise.all(
          Object.values(actors).map((a) => provider.getTransactionCount(a.address)),
        );
        return `${await provider.getBlockNumber()}:${nonces.join(",")}`;
      },
      async close() {
        provider.destroy();
        await node.stop();
      },
    };
  } catch (error) {
    provider.destroy();
    await node.stop();
    throw error;
  }
}

async function runInProcess(id: string, args: Record<string, unknown>): Promise<TaskRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => void stdout.push(parts.join(" "));
  console.error = (...parts: unknown[]) => void stderr.push(parts.join(" "));
  let result: { success: boolean; error?: { code?: string } } | undefined;
  try {
    const task = hre.tasks.getTask(id);
    // roles:* tasks take no --access-registry.
    const given = { ...args };
    if (!task.options.has("accessRegistry")) delete given.accessRegistry;
    result = await task.run(given);
  } finally {
    console.log = log;
    console.error = error;
  }
  return {
    success: result?.success ?? true,
    code: result?.error?.code,
    stdout,
    stderr,
    json<T>() {
      expect(stdout, stdout.join("\n")).to.have.length(1);
      return JSON.parse(stdout[0]) as T;
    },
  };
}

/** The run failed with `code`, printed as exactly one `error <code>: …` line. */
export function expectTaskError(run: TaskRun, code: string): void {
  const dump = `stdout:\n${run.stdout.join("\n")}\nstderr:\n${run.stderr.join("\n")}`;
  expect(run.success, dump).to.equal(false);
  expect(run.code, dump).to.equal(code);
  expect(run.stderr, dump).to.have.length(1);
  expect(run.stderr[0], dump).to.match(new RegExp(`^error ${code}: \\S`));
}

/** The run succeeded and printed nothing on stderr. */
export function expectTaskSuccess(run: TaskRun): void {
  const dump = `stdout:\n${run.stdout.join("\n")}\nstderr:\n${run.stderr.join("\n")}`;
  expect(run.success, dump).to.equal(true);
  expect(run.stderr, dump).to.deep.equal([]);
}

/** A fresh device key, as a device would hold it. */
export const freshDevice = () => Wallet.createRandom();
