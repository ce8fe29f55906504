import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { errorResult, successfulResult } from "hardhat/utils/result";

import { BaseError } from "../../offchain/shared/BaseError.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { HHE, hardhatErrorNumber, providerErrorOf, unsetVariableOf } from "./hardhatErrors.js";

/**
 * What to do next, for codes whose fix is a task option: offchain/control does not know the CLI.
 */
const HINTS: Record<string, string> = {
  ROLE_ADMIN_REQUIRED: "use --signer or --private-key-var",
  ROLE_REQUIRED: "use --signer or --private-key-var",
};

/**
 * Wraps a task action so that a user error (a DataLedgerError with a code, or a failure of the
 * node or of the ledger) prints exactly one line, `error <CODE>: <message>`, on stderr and the
 * command exits 1. Throwing would not do: Hardhat prints any error that is not its own with a stack
 * trace and a "report a bug" hint, and its plugin errors take three lines. A failed Result is the
 * one outcome its CLI turns into exit code 1 silently (cli/main.js). Anything else is a bug and is
 * rethrown for Hardhat to print in full.
 */
export function runTask<ArgsT>(
  action: (args: ArgsT, hre: HardhatRuntimeEnvironment) => Promise<unknown>,
) {
  return async (args: ArgsT, hre: HardhatRuntimeEnvironment) => {
    try {
      // What an action returns is the Result's value: a script running tasks in-process
      // (hre.tasks.getTask(id).run(args)) reads the outcome there instead of parsing output.
      const value = await action(args, hre);
      return value === undefined ? successfulResult() : { success: true as const, value };
    } catch (error) {
      const userError = asUserError(error);
      if (userError === undefined) throw error;
      const hint = HINTS[userError.code];
      // One line even if a message was written over several.
      const message = userError.shortMessage.replace(/\s*\n\s*/g, " ");
      console.error(`error ${userError.code}: ${message}${hint === undefined ? "" : ` (${hint})`}`);
      // A script reading --json output gets the failure in the same shape, on stdout, unless
      // the action's own JSON document already says it failed (config:check's report).
      const reported = (userError as { reportedAsJson?: boolean }).reportedAsJson === true;
      if ((args as { json?: unknown } | undefined)?.json === true && !reported) {
        const error = { code: userError.code, message, details: userError.details };
        console.log(
          JSON.stringify({ error }, (_key, v) => (typeof v === "bigint" ? String(v) : v)),
        );
      }
      return errorResult(userError);
    }
  };
}

/** A user error for what the user can fix or retry; undefined for a bug. */
function asUserError(error: unknown): BaseError | undefined {
  if (error instanceof BaseError) return error;
  const number = hardhatErrorNumber(error);
  if (number === HHE.CONNECTION_REFUSED || number === HHE.NETWORK_TIMEOUT) {
    return new BaseError("NODE_UNREACHABLE", "the node stopped answering", {
      cause: error,
      retryable: true,
    });
  }
  const variable = unsetVariableOf(error);
  if (variable !== undefined) {
    // A network setting such as BESU_RPC_URL or BESU_OPERATOR_KEY, read when first needed.
    return new BaseError(
      "CONFIG_VARIABLE_NOT_FOUND",
      `configuration variable ${variable} is not set (npx hardhat keystore set ${variable}, or the environment)`,
      { cause: error, details: { variable } },
    );
  }
  const revertData = revertDataOf(error);
  if (revertData !== undefined) {
    // The checks before sending make this rare: a race with another operator, say.
    return new BaseError(
      "LEDGER_REVERTED",
      `the ledger refused the call: ${describeRevert(revertData)}`,
      {
        cause: error,
        details: { data: revertData },
      },
    );
  }
  return undefined;
}

/** The revert data of a failed call or transaction, from ethers or from Hardhat's provider. */
function revertDataOf(error: unknown): string | undefined {
  const ethersError = error as { code?: unknown; data?: unknown };
  const providerError = providerErrorOf(error);
  // 3 is the JSON-RPC code of "execution reverted" (EIP-1474 and every node we run on).
  const reverted = ethersError.code === "CALL_EXCEPTION" || providerError?.code === 3;
  if (!reverted) return undefined;
  const data = providerError?.data ?? ethersError.data;
  return typeof data === "string" ? data : "0x";
}

/** `Name(arg, …)` for a DataLedger custom error, else the raw data. */
function describeRevert(data: string): string {
  try {
    const parsed = DataLedger__factory.createInterface().parseError(data);
    if (parsed !== null) return `${parsed.name}(${[...parsed.args].join(", ")})`;
  } catch {
    // not one of the ledger's errors
  }
  return data === "0x" ? "no reason given" : `revert data ${data}`;
}
