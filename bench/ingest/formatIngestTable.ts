/** One line of the ingest table: what was measured, and the goal or reference it is held to. */
export interface IngestRow {
  metric: string;
  measured: string;
  goal: string;
  /** PASS / FAIL against a goal, or "" for context lines. */
  verdict: "PASS" | "FAIL" | "";
}

const HEADERS = ["metric", "measured", "goal / reference", ""];

/**
 * Renders the ingest rows as a plain-text table for the terminal; a row whose metric starts with
 * "--" is a section rule.
 *
 * @example
 * console.log(formatIngestTable(rows));
 */
export function formatIngestTable(rows: IngestRow[]): string {
  const cells = rows.map((r) => [r.metric, r.measured, r.goal, r.verdict]);
  const widths = HEADERS.map((header, c) =>
    Math.max(header.length, ...cells.filter((l) => !l[0].startsWith("--")).map((l) => l[c].length)),
  );
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const render = (line: string[]) =>
    line[0].startsWith("--")
      ? `${line[0]} ${"-".repeat(Math.max(0, rule.length - line[0].length - 1))}`
      : line
          .map((cell, c) => (c === 1 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
          .join("  ")
          .trimEnd();
  return [render(HEADERS), rule, ...cells.map(render)].join("\n");
}
