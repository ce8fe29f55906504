/** One line of the gas table: our operation against its closest EAS peer, per record. */
export interface GasRow {
  operation: string;
  /** Records per transaction on our side. */
  n: number;
  gasPerRecord: number;
  peer: string;
  peerGasPerRecord: number;
  /** ours / EAS: below 1 means cheaper than EAS. */
  ratio: number;
}

/**
 * Builds a row from transaction gas and the records each transaction carries, rounding so the
 * committed JSON is stable across runs.
 *
 * @example
 * gasRow("submitRecord", 1, direct, "attest", 1, attest);
 */
export function gasRow(
  operation: string,
  n: number,
  txGas: bigint,
  peer: string,
  peerN: number,
  peerTxGas: bigint,
): GasRow {
  const gasPerRecord = Number(txGas) / n;
  const peerGasPerRecord = Number(peerTxGas) / peerN;
  return {
    operation,
    n,
    gasPerRecord: round(gasPerRecord, 2),
    peer,
    peerGasPerRecord: round(peerGasPerRecord, 2),
    ratio: Number((gasPerRecord / peerGasPerRecord).toPrecision(4)),
  };
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
