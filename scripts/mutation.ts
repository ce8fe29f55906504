/**
 * `npm run test:mutation [-- sdk gateway service]`: Stryker over the modules where a silent bug
 * costs most (issue 10), one module at a time (stryker.config.mjs), and their scores written to
 * bench/results/mutation.json. Modules not named keep the figures of their last run.
 *
 * Each surviving mutant is listed with its place and replacement; the ones judged equivalent
 * (no test can tell them from the original) carry the reason from scripts/mutationEquivalents.ts,
 * and any other survivor is flagged `unexplained`, which a change to the tests or the code owes.
 *
 * Not part of `npm test` or CI: a run takes tens of minutes on two cores. Needs the contracts
 * built (`npm run compile`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { equivalents } from "./mutationEquivalents.js";

const root = path.resolve(import.meta.dirname, "..");
const resultsFile = path.join(root, "bench/results/mutation.json");
const { modules } = (await import(path.join(root, "stryker.config.mjs"))) as {
  modules: Record<string, { title: string; mutate: string[]; spec: string[] }>;
};
const strykerVersion = (
  createRequire(import.meta.url)("@stryker-mutator/core/package.json") as { version: string }
).version;

type Status =
  | "Killed"
  | "Survived"
  | "Timeout"
  | "NoCoverage"
  | "CompileError"
  | "RuntimeError"
  | "Ignored"
  | "Pending";

interface ReportMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: Status;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

interface Report {
  files: Record<string, { source: string; mutants: ReportMutant[] }>;
}

// --summarise-only: rewrite the figures from the last reports without running Stryker again.
const summariseOnly = process.argv.includes("--summarise-only");
// --seconds=N, with --summarise-only: the wall time of the Stryker run that made the reports,
// when it was started on its own (`MUTATION_MODULE=x stryker run`) rather than by this script.
const secondsArg = process.argv.find((a) => a.startsWith("--seconds="));
const measuredSeconds = secondsArg === undefined ? undefined : Number(secondsArg.slice(10));
if (measuredSeconds !== undefined && !(Number.isInteger(measuredSeconds) && measuredSeconds > 0))
  throw new Error(`--seconds wants a whole number of seconds, not ${secondsArg}`);
// --force: every mutant tested again, not only those the incremental file cannot vouch for.
const force = process.argv.includes("--force");
const asked = process.argv.slice(2).filter((a) => !a.startsWith("--"));
for (const name of asked) {
  if (!(name in modules))
    throw new Error(`Unknown module ${name}: ${Object.keys(modules).join(", ")}`);
}
const names = asked.length > 0 ? asked : Object.keys(modules);

const previous = existsSync(resultsFile)
  ? (JSON.parse(readFileSync(resultsFile, "utf8")) as { modules?: Record<string, unknown> })
  : {};
const results: Record<string, unknown> = { ...(previous.modules ?? {}) };

let failed = false;
for (const name of names) {
  console.log(`\n== mutation: ${name} (${modules[name].title})`);
  const started = Date.now();
  const run = summariseOnly
    ? { status: 0 }
    : spawnSync("stryker", ["run", "stryker.config.mjs", ...(force ? ["--force"] : [])], {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, MUTATION_MODULE: name },
      });
  if (run.status !== 0) {
    console.error(`stryker exited with ${run.status} for ${name}`);
    failed = true;
    continue;
  }
  const report = JSON.parse(
    readFileSync(path.join(root, `reports/mutation/${name}.json`), "utf8"),
  ) as Report;
  const seconds = summariseOnly
    ? (measuredSeconds ??
      (previous.modules?.[name] as { seconds?: number } | undefined)?.seconds ??
      0)
    : Math.round((Date.now() - started) / 1000);
  results[name] = summarise(name, report, seconds);
}

writeFileSync(
  resultsFile,
  `${JSON.stringify(
    {
      tool: `@stryker-mutator/core ${strykerVersion} with @stryker-mutator/mocha-runner`,
      command: "npm run test:mutation",
      goal: "at least 85% of mutants killed per module; every survivor killed or explained as equivalent",
      score:
        "(killed + timeout) / (killed + timeout + survived + noCoverage), as Stryker counts it",
      solidity:
        "not mutated: Stryker mutates JavaScript and TypeScript only, and no Solidity mutation tool installs from the npm registry alone",
      modules: results,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${path.relative(root, resultsFile)}`);
if (failed) process.exit(1);

function summarise(name: string, report: Report, seconds: number) {
  const count = { mutants: 0, killed: 0, survived: 0, timeout: 0, noCoverage: 0, errors: 0 };
  const survivors: {
    id: string;
    at: string;
    mutator: string;
    original: string;
    replacement: string;
    equivalent?: string;
    unexplained?: true;
  }[] = [];
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split("\n");
    for (const m of mutants) {
      if (m.status === "Ignored" || m.status === "Pending") continue;
      if (m.status === "CompileError" || m.status === "RuntimeError") {
        count.errors++;
        continue;
      }
      count.mutants++;
      if (m.status === "Killed") count.killed++;
      else if (m.status === "Timeout") count.timeout++;
      else {
        if (m.status === "Survived") count.survived++;
        else count.noCoverage++;
        const original = excerpt(lines, m.location);
        const replacement = (m.replacement ?? "").replace(/\s+/g, " ");
        const at = `${file}:${m.location.start.line}:${m.location.start.column}`;
        const reason =
          equivalents[`${file}:${m.location.start.line} ${m.mutatorName} ${replacement}`];
        survivors.push({
          id: m.id,
          at,
          mutator: m.mutatorName,
          original,
          replacement,
          ...(reason ? { equivalent: reason } : { unexplained: true as const }),
        });
      }
    }
  }
  const detected = count.killed + count.timeout;
  const score = count.mutants === 0 ? 0 : Math.round((10_000 * detected) / count.mutants) / 100;
  return {
    title: modules[name].title,
    files: modules[name].mutate,
    tests: modules[name].spec,
    date: new Date().toISOString(),
    seconds,
    ...count,
    score,
    meetsGoal: score >= 85 && survivors.every((s) => s.equivalent !== undefined),
    survivors,
  };
}

function excerpt(lines: string[], { start, end }: ReportMutant["location"]): string {
  const text =
    start.line === end.line
      ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
      : [
          lines[start.line - 1].slice(start.column - 1),
          ...lines.slice(start.line, end.line - 1),
          lines[end.line - 1].slice(0, end.column - 1),
        ].join("\n");
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}
