import type { FeeData } from "ethers";

/** EIP-1559 fees of one transaction, wei per gas. */
export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/**
 * The fees to offer now, from the node's fee data: its EIP-1559 suggestion, or its legacy gas
 * price for both on a chain without one; the maximum fee never under the priority fee (a node
 * refuses such a transaction).
 *
 * @example
 * const fees = networkFees(await provider.getFeeData());
 */
export function networkFees(
  feeData: Pick<FeeData, "maxFeePerGas" | "maxPriorityFeePerGas" | "gasPrice">,
): Fees {
  const maxFeePerGas = feeData.maxFeePerGas ?? feeData.gasPrice ?? 0n;
  const maxPriorityFeePerGas = feeData.maxPriorityFeePerGas ?? feeData.gasPrice ?? 0n;
  return { maxFeePerGas: max(maxFeePerGas, maxPriorityFeePerGas), maxPriorityFeePerGas };
}

/**
 * The fees of a replacement at the same nonce: each of `previous` raised by `bumpPercent`
 * (nodes take a replacement only 10 % above what they hold), or what the network asks now when
 * that is more; the maximum fee never under the priority fee.
 *
 * @example
 * const fees = replacementFees(stuck, networkFees(await provider.getFeeData()), 25);
 */
export function replacementFees(previous: Fees, network: Fees, bumpPercent: number): Fees {
  const bump = (value: bigint) => (value * BigInt(100 + bumpPercent)) / 100n;
  const maxPriorityFeePerGas = max(
    bump(previous.maxPriorityFeePerGas),
    network.maxPriorityFeePerGas,
  );
  const maxFeePerGas = max(
    max(bump(previous.maxFeePerGas), network.maxFeePerGas),
    maxPriorityFeePerGas,
  );
  return { maxFeePerGas, maxPriorityFeePerGas };
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
