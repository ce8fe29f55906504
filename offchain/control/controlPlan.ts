import {
  getAddress,
  type Interface,
  type Provider,
  type Signer,
  type TransactionReceipt,
} from "ethers";

import { BaseError } from "../shared/BaseError.js";
import { decodeRevert, revertDataOf } from "./ControlRevertError.js";

/**
 * Where the controlling FE works (O2C, then C2P to the processing FE's contracts): a provider to
 * read and simulate with, the suite's addresses, and the account that would sign.
 */
export interface ControlContext {
  provider: Provider;
  ledger: string;
  /** Needed by dataset and access operations only. */
  accessRegistry?: string;
  /** The account that signs (checked by simulation before anything is sent). */
  from: string;
  /**
   * Where reads that replay events start (the suite's deployment block); 0 when unknown. The
   * contracts keep no lists of holders, members or grantees, so those come from their events.
   */
  fromBlock?: number;
}

/** One unsigned contract call, as the operator's wallet would sign it. */
export interface ControlCall {
  contract: "DataLedger" | "AccessRegistry";
  to: string;
  /** The function's signature, e.g. `suspendSource(uint64,uint16)`. */
  function: string;
  args: readonly unknown[];
  /** The calldata: the selector of `function` and its ABI-encoded `args`. */
  data: string;
  from: string;
}

/**
 * A checked control operation: the call it makes (simulated as `from` and accepted), or
 * `unchanged` with the reason when the chain already is in the wanted state and nothing is to be
 * sent; and how to read its outcome from the mined receipt.
 */
export interface ControlPlan<R> {
  operation: string;
  call?: ControlCall;
  unchanged?: string;
  outcome(receipt: TransactionReceipt): R;
}

/** What sending a plan did. */
export interface ControlResult<R> {
  txHash: string;
  blockNumber: number;
  outcome: R;
}

/** Thrown when a plan is sent by another account than the one it was checked for. */
export class ControlSignerMismatchError extends BaseError {
  constructor(expected: string, actual: string) {
    super("CONTROL_SIGNER_MISMATCH", `the plan was checked for ${expected}, not ${actual}`, {
      details: { expected, actual },
    });
  }
}

/**
 * Encodes a call and simulates it as `ctx.from` (eth_call): a call the suite would refuse throws
 * its decoded ControlRevertError (ROLE_REQUIRED, SOURCE_UNKNOWN, …) and nothing is sent.
 */
export async function checkedCall(
  ctx: ControlContext,
  contract: ControlCall["contract"],
  iface: Interface,
  name: string,
  args: readonly unknown[],
): Promise<ControlCall> {
  const fragment = iface.getFunction(name)!;
  const to = contract === "DataLedger" ? ctx.ledger : requireAccessRegistry(ctx);
  const call: ControlCall = {
    contract,
    to: getAddress(to),
    function: fragment.format("sighash"),
    args,
    data: iface.encodeFunctionData(fragment, args),
    from: getAddress(ctx.from),
  };
  try {
    await ctx.provider.call({ to: call.to, from: call.from, data: call.data });
  } catch (error) {
    const data = revertDataOf(error);
    if (data === undefined) throw error;
    throw decodeRevert(data, error);
  }
  return call;
}

/**
 * Sends a plan's call from `signer` and waits for its receipt. A revert (a race with another
 * operator since the check) is decoded the same way as in simulation.
 *
 * @example
 * const plan = await planSuspendSource(ctx, { sourceId: 3n, reasonCode: 0 });
 * const { txHash } = await sendPlan(plan, operator);
 */
export async function sendPlan<R>(
  plan: ControlPlan<R>,
  signer: Signer,
): Promise<ControlResult<R> | undefined> {
  if (plan.call === undefined) return undefined;
  const address = getAddress(await signer.getAddress());
  if (address !== plan.call.from) throw new ControlSignerMismatchError(plan.call.from, address);
  let receipt: TransactionReceipt | null;
  try {
    const tx = await signer.sendTransaction({ to: plan.call.to, data: plan.call.data });
    receipt = await tx.wait();
  } catch (error) {
    const data = revertDataOf(error);
    if (data === undefined) throw error;
    throw decodeRevert(data, error);
  }
  if (receipt === null) {
    throw new BaseError("CONTROL_TX_DROPPED", "the transaction was not mined", { retryable: true });
  }
  return { txHash: receipt.hash, blockNumber: receipt.blockNumber, outcome: plan.outcome(receipt) };
}

/** The access registry address of a context, or ACCESS_REGISTRY_REQUIRED. */
export function requireAccessRegistry(ctx: { accessRegistry?: string }): string {
  if (ctx.accessRegistry === undefined) {
    throw new BaseError(
      "ACCESS_REGISTRY_REQUIRED",
      "this operation needs the access registry's address (--access-registry, or an Ignition record of the suite)",
    );
  }
  return ctx.accessRegistry;
}

/** The first log of `receipt` that `iface` parses as `event`, from `address`. */
export function eventOf(
  receipt: TransactionReceipt,
  iface: Interface,
  event: string,
  address: string,
) {
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    const parsed = iface.parseLog(log);
    if (parsed?.name === event) return parsed;
  }
  throw new BaseError("CONTROL_EVENT_MISSING", `the receipt holds no ${event} event`, {
    details: { txHash: receipt.hash, event },
  });
}

/** JSON-safe copy of call arguments and outcomes: bigints as decimal strings. */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value;
}
