import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import type { Signer } from "ethers";

import { readSuiteAddresses } from "../../offchain/chain/deployment.js";
import { parseAddress, parseUint } from "../../offchain/control/controlArguments.js";
import {
  sendPlan,
  toJsonValue,
  type ControlContext,
  type ControlPlan,
} from "../../offchain/control/controlPlan.js";
import { roleId, type RoleName } from "../../offchain/control/roles.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
  type DataLedger,
} from "../../types/ethers-contracts/index.js";
import { chooseSignerBy, type SignerRule } from "./chooseSigner.js";
import type { ConnectionArgs } from "./connectionOptions.js";
import { connectLedger } from "./connectLedger.js";
import { parseConnectionArgs } from "./parseConnectionArgs.js";
import { runTask } from "./runTask.js";

/** The options every control task takes besides the connection's. */
export interface ControlTaskArgs extends ConnectionArgs {
  accessRegistry?: string;
  /** Read tasks: the block their event replay starts from (default 0). */
  fromBlock?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** What a control task's steps work with once connected. */
export interface TaskEnv {
  hre: HardhatRuntimeEnvironment;
  connection: NetworkConnection;
  networkName: string;
  chainId: bigint;
  ledger: string;
  accessRegistry?: string;
  /** The ledger, read-only. */
  reader: DataLedger;
}

/**
 * The steps of one control task. `parse` validates the task's own options before anything is
 * connected; `signer` says who signs by default; `plan` builds the checked call (offchain/control)
 * as the chosen signer; `done` says in words what the mined transaction did.
 */
export interface ControlTaskSpec<A, P, R> {
  parse(args: A): P;
  signer(env: TaskEnv, parsed: P): Promise<SignerRule> | SignerRule;
  plan(ctx: ControlContext, env: TaskEnv, parsed: P, signer: Signer): Promise<ControlPlan<R>>;
  done(outcome: R): string;
  needsAccessRegistry?: boolean;
}

/**
 * A control task's action: validate, connect, choose the signer, build and simulate the call,
 * then print it (--dry-run: nothing is sent) or send it and print what it did; --json prints one
 * JSON object instead of lines. User errors are one `error <CODE>: …` line (runTask).
 */
export function controlAction<A extends ControlTaskArgs, P, R>(spec: ControlTaskSpec<A, P, R>) {
  return runTask<A>(async (args, hre) => {
    const parsed = spec.parse(args);
    return withTaskEnv(args, hre, spec.needsAccessRegistry ?? false, async (env) => {
      const signers = await env.connection.ethers.getSigners();
      const choice = parseConnectionArgs(args);
      const chosen = await chooseSignerBy(signers, choice.signer, await spec.signer(env, parsed));
      const ctx: ControlContext = {
        provider: env.connection.ethers.provider,
        ledger: env.ledger,
        accessRegistry: env.accessRegistry,
        from: chosen.address,
      };
      const plan = await spec.plan(ctx, env, parsed, chosen.signer);
      const report: Record<string, unknown> = {
        operation: plan.operation,
        network: env.networkName,
        chainId: env.chainId,
        signer: { address: chosen.address, reason: chosen.reason },
        dryRun: args.dryRun === true,
        transaction: plan.call ?? null,
      };
      const lines = [`signer ${chosen.address} (${chosen.reason}; network ${env.networkName})`];
      if (plan.unchanged !== undefined) {
        report.unchanged = plan.unchanged;
        lines.push(`${plan.unchanged}: nothing to send`);
      } else if (args.dryRun) {
        const call = plan.call!;
        lines.push(
          `dry run, nothing sent: ${call.contract}.${call.function}`,
          `  to       ${call.to}`,
          `  from     ${call.from}`,
          `  args     ${JSON.stringify(toJsonValue(call.args))}`,
          `  calldata ${call.data}`,
        );
      } else {
        const result = (await sendPlan(plan, chosen.signer))!;
        Object.assign(report, result);
        lines.push(`${spec.done(result.outcome)} (tx ${result.txHash})`);
      }
      print(args, report, lines);
      return report;
    });
  });
}

/** The steps of a read-only task (show, list): no signer, nothing sent. */
export interface ReadTaskSpec<A, P, T> {
  parse(args: A): P;
  read(ctx: Omit<ControlContext, "from">, env: TaskEnv, parsed: P): Promise<T>;
  text(value: T): string[];
  needsAccessRegistry?: boolean;
}

/** A read-only task's action: validate, connect, read, print lines or --json. */
export function readAction<A extends ControlTaskArgs, P, T>(spec: ReadTaskSpec<A, P, T>) {
  return runTask<A>(async (args, hre) => {
    const parsed = spec.parse(args);
    return withTaskEnv(args, hre, spec.needsAccessRegistry ?? false, async (env) => {
      const ctx = {
        provider: env.connection.ethers.provider,
        ledger: env.ledger,
        accessRegistry: env.accessRegistry,
        fromBlock:
          args.fromBlock === undefined
            ? undefined
            : Number(parseUint("--from-block", args.fromBlock, 48)),
      };
      if (ctx.fromBlock !== undefined) {
        const head = await env.connection.ethers.provider.getBlockNumber();
        if (ctx.fromBlock > head) {
          throw new BaseError(
            "ARGUMENT_INVALID",
            `--from-block ${ctx.fromBlock} is after the chain's head (${head})`,
            { details: { argument: "--from-block", value: ctx.fromBlock, head } },
          );
        }
      }
      const value = await spec.read(ctx, env, parsed);
      print(args, value, spec.text(value));
      return value;
    });
  });
}

function print(args: ControlTaskArgs, json: unknown, lines: string[]) {
  if (args.json) console.log(JSON.stringify(toJsonValue(json)));
  else for (const line of lines) console.log(line);
}

async function withTaskEnv<T>(
  args: ControlTaskArgs,
  hre: HardhatRuntimeEnvironment,
  needsAccessRegistry: boolean,
  body: (env: TaskEnv) => Promise<T>,
): Promise<T> {
  const choice = parseConnectionArgs(args);
  const given =
    args.accessRegistry === undefined
      ? undefined
      : parseAddress("--access-registry", args.accessRegistry);
  const { connection, networkName, chainId, ledger } = await connectLedger(hre, choice);
  try {
    const accessRegistry = needsAccessRegistry
      ? await resolveAccessRegistry(connection, hre, chainId, ledger, given)
      : given;
    const reader = DataLedger__factory.connect(ledger, connection.ethers.provider);
    return await body({ hre, connection, networkName, chainId, ledger, accessRegistry, reader });
  } finally {
    await connection.close();
  }
}

/**
 * The access registry: --access-registry, else the one Ignition recorded beside this ledger. It
 * must follow this ledger (its `ledger()`), or grants would be checked against other roles.
 */
async function resolveAccessRegistry(
  connection: NetworkConnection,
  hre: HardhatRuntimeEnvironment,
  chainId: bigint,
  ledger: string,
  given: string | undefined,
): Promise<string> {
  let address = given;
  if (address === undefined) {
    const recorded = await readSuiteAddresses(chainId, hre.config.paths.root).catch(
      () => undefined,
    );
    if (recorded === undefined || recorded.ledger.toLowerCase() !== ledger.toLowerCase()) {
      throw new BaseError(
        "ACCESS_REGISTRY_REQUIRED",
        "no access registry is recorded for this ledger: pass --access-registry",
      );
    }
    address = recorded.accessRegistry;
  }
  const follows = await AccessRegistry__factory.connect(address, connection.ethers.provider)
    .ledger()
    .catch(() => undefined);
  if (follows === undefined || follows.toLowerCase() !== ledger.toLowerCase()) {
    throw new BaseError(
      "ACCESS_REGISTRY_MISMATCH",
      `${address} is not an access registry of the ledger ${ledger}`,
      { details: { accessRegistry: address, ledger } },
    );
  }
  return address;
}

/** The default signer rule "holds one of these roles", ROLE_REQUIRED when no account does. */
export async function roleRule(reader: DataLedger, roles: RoleName[]): Promise<SignerRule> {
  const ids = await Promise.all(roles.map((role) => roleId(reader, role)));
  return {
    holds: roles.join(" or "),
    accepts: async (address) => {
      for (const id of ids) if (await reader.hasRole(id, address)) return true;
      return false;
    },
    none: () =>
      new BaseError(
        "ROLE_REQUIRED",
        `no account of this connection can sign: it needs ${roles.join(" or ")}`,
        { details: { roles } },
      ),
  };
}

/** Requires an option Hardhat cannot mark required itself. */
export function required<T>(option: string, value: T | undefined): T {
  if (value === undefined) {
    throw new BaseError("TASK_MISSING_OPTION", `--${option} is required`, { details: { option } });
  }
  return value;
}
