import type { GasRow } from "./gasRow.js";

const HEADERS = ["operation", "N", "ours gas/record", "EAS peer", "EAS gas/record", "ours/EAS"];
/** Text columns align left, numbers right. */
const NUMERIC = [false, true, true, false, true, true];

/**
 * Renders the gas rows as a plain-text table for the terminal.
 *
 * @example
 * console.log(formatTable(rows));
 */
export function formatTable(rows: GasRow[]): string {
  const cells = rows.map((row) => [
    row.operation,
    String(row.n),
    formatGas(row.gasPerRecord),
    row.peer,
    formatGas(row.peerGasPerRecord),
    `${row.ratio.toPrecision(4)} (${formatPercent(row.ratio)})`,
  ]);
  const widths = HEADERS.map((header, c) =>
    Math.max(header.length, ...cells.map((line) => line[c].length)),
  );
  const render = (line: string[]) =>
    line
      .map((cell, c) => (NUMERIC[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [render(HEADERS), rule, ...cells.map(render)].join("\n");
}

function formatGas(gas: number): string {
  return gas.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: 2 });
}

function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  return `${percent < 0.1 ? percent.toFixed(3) : percent.toFixed(1)}%`;
}
