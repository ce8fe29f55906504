import { getAddress, Transaction, type Provider, type TransactionReceipt } from "ethers";

import { decodeRevert, revertDataOf } from "../../control/ControlRevertError.js";
import { BaseError } from "../../shared/BaseError.js";
import {
  controlFunctionOf,
  decodeControlEvents,
  type ControlContract,
  type ControlEvent,
} from "./controlFunctions.js";
import { TransactionRefusedError } from "./errors.js";

export interface RelayTarget {
  provider: Provider;
  chainId: bigint;
  ledger: string;
  accessRegistry: string;
  /** How long to follow a broadcast transaction to its receipt (default 60 s). */
  receiptTimeoutMs?: number;
}

/** What a relayed control transaction did on-chain. */
export interface RelayedTransaction {
  txHash: string;
  status: "success" | "reverted";
  blockNumber: number;
  blockHash: string;
  contract: ControlContract;
  function: string;
  /** The ledger's and the registry's events in the receipt (empty when reverted). */
  events: ControlEvent[];
  /**
   * Why a mined transaction reverted (a race with another change since it was checked): the
   * code the same call gets on the state after its block.
   */
  revert?: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * The processing FE side of O2C through the service FE (Y.4561 8.8 steps 2–4, C2P): relays a
 * transaction the operator's wallet signed and follows it to its receipt. Nothing is broadcast
 * unless the transaction is signed by `operator` (the session's account), for this chain, to the
 * ledger or the access registry, with no value, calling one of the control functions; and
 * unless it succeeds in simulation as its signer now (a refusal answers the ControlRevertError
 * code, e.g. SOURCE_UNKNOWN, and spends none of the operator's gas).
 *
 * @example
 * const result = await relayControlTransaction(target, session.address, rawTransaction);
 */
export async function relayControlTransaction(
  target: RelayTarget,
  operator: string,
  rawTransaction: string,
): Promise<RelayedTransaction> {
  let tx: Transaction;
  try {
    tx = Transaction.from(rawTransaction);
  } catch (cause) {
    throw new TransactionRefusedError("TX_MALFORMED", "not a serialized signed transaction", {
      reason: (cause as Error).message,
    });
  }
  if (tx.from === null) {
    throw new TransactionRefusedError("TX_MALFORMED", "the transaction is not signed");
  }
  if (getAddress(tx.from) !== getAddress(operator)) {
    throw new TransactionRefusedError(
      "TX_SIGNER_NOT_SESSION",
      "the transaction is not signed by the session's operator",
      { signer: tx.from, operator: getAddress(operator) },
    );
  }
  // A legacy transaction without EIP-155 (chainId 0) could be replayed on any chain.
  if (tx.chainId !== target.chainId) {
    throw new TransactionRefusedError("TX_CHAIN_MISMATCH", "the transaction is for another chain", {
      chainId: tx.chainId.toString(),
      expected: target.chainId.toString(),
    });
  }
  const contracts: Record<ControlContract, string> = {
    DataLedger: getAddress(target.ledger),
    AccessRegistry: getAddress(target.accessRegistry),
  };
  const contract = (Object.keys(contracts) as ControlContract[]).find(
    (c) => tx.to !== null && getAddress(tx.to) === contracts[c],
  );
  if (contract === undefined) {
    throw new TransactionRefusedError(
      "TX_TARGET_REFUSED",
      "the transaction is not to the ledger or the access registry",
      { to: tx.to, allowed: Object.values(contracts) },
    );
  }
  if (tx.value !== 0n) {
    throw new TransactionRefusedError("TX_VALUE_REFUSED", "control calls carry no value", {
      value: tx.value.toString(),
    });
  }
  const fn = controlFunctionOf(contract, tx.data);
  if (fn === undefined) {
    throw new TransactionRefusedError(
      "TX_FUNCTION_REFUSED",
      `the calldata is not a call of a control function of ${contract}`,
      { selector: tx.data.slice(0, 10) },
    );
  }

  const call = { to: contracts[contract], from: tx.from, data: tx.data };
  await simulate(target.provider, call);

  let receipt: TransactionReceipt | null;
  try {
    const response = await target.provider.broadcastTransaction(tx.serialized);
    receipt = await response.wait(1, target.receiptTimeoutMs ?? 60_000);
  } catch (error) {
    const mined = (error as { receipt?: TransactionReceipt | null }).receipt;
    if (mined) {
      receipt = mined;
    } else {
      const data = revertDataOf(error);
      if (data !== undefined) throw decodeRevert(data, error);
      if ((error as { code?: string }).code === "TIMEOUT") {
        throw new BaseError("CONTROL_TX_PENDING", "the transaction is not mined yet", {
          retryable: true,
          details: { txHash: tx.hash },
        });
      }
      throw new BaseError("TX_REJECTED_BY_NODE", "the node did not take the transaction", {
        cause: error,
        details: { txHash: tx.hash, reason: (error as { shortMessage?: string }).shortMessage },
      });
    }
  }
  if (receipt === null) {
    throw new BaseError("CONTROL_TX_PENDING", "the transaction is not mined yet", {
      retryable: true,
      details: { txHash: tx.hash },
    });
  }
  const result: RelayedTransaction = {
    txHash: receipt.hash,
    status: receipt.status === 1 ? "success" : "reverted",
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    contract,
    function: fn.signature,
    events: receipt.status === 1 ? decodeControlEvents(receipt, contracts) : [],
  };
  if (receipt.status !== 1) {
    // Replayed on the state after its block, which holds the change it raced with (replaying
    // before the block would miss one mined ahead of it in the same block).
    try {
      await simulate(target.provider, { ...call, blockTag: receipt.blockNumber });
      result.revert = { code: "LEDGER_REVERTED", message: "the call reverted", details: {} };
    } catch (error) {
      const e = error as BaseError;
      result.revert = { code: e.code, message: e.shortMessage, details: e.details ?? {} };
    }
  }
  return result;
}

async function simulate(
  provider: Provider,
  call: { to: string; from: string; data: string; blockTag?: number },
): Promise<void> {
  try {
    await provider.call(call);
  } catch (error) {
    const data = revertDataOf(error);
    if (data === undefined) throw error;
    throw decodeRevert(data, error);
  }
}
