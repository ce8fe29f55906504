import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";

/**
 * The README is the front door: nothing in it may point outside the repository or at a file
 * that is not there, every npm script it names must exist, and the commands cheap enough to run
 * here do run. (`npm start` and `npm test` are run by .ci/run; `npm start -- …` variants by the
 * start tests; the operator commands by operatorCommands.test.ts.)
 */
const root = process.cwd();
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const scripts = Object.keys(
  (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: object })
    .scripts,
);

function run(command: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("README.md (system)", function () {
  this.timeout(120_000);

  it("links only to files inside the repository that exist", () => {
    expect(readme).to.not.contain("../");
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    for (const target of targets) {
      if (/^(https?:|#|mailto:)/.test(target)) continue;
      expect(existsSync(path.join(root, target.split("#")[0])), target).to.equal(true);
    }
  });

  it("names only repository paths that exist", () => {
    const paths = [
      ...readme.matchAll(
        /`((?:offchain|scripts|config|contracts|bench|docs|ignition|test|\.ci)\/[^`\s]*)`/g,
      ),
    ]
      .map((m) => m[1].replace(/[.,:;]+$/, ""))
      // Patterns such as config/roles.<network>.json or bench/results/*.json name no one file.
      .filter((p) => !/[<>*…]/.test(p));
    expect(paths.length).to.be.greaterThan(10);
    for (const p of paths) expect(existsSync(path.join(root, p)), p).to.equal(true);
  });

  it("names only npm scripts that exist", () => {
    const named = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(named).to.include.members(["demo", "gateway", "bench:gas", "bench:ingest"]);
    for (const script of named) expect(scripts, `npm run ${script}`).to.include(script);
  });

  it("`npm run demo` walks the three submission paths", async () => {
    const { code, out } = await run("npm", ["run", "demo", "--silent"]);
    expect(code, out).to.equal(0);
    expect(out).to.match(/direct\s+1\s+\d+\s+yes/);
    expect(out).to.match(/relayed\s+1\s+\d+\s+yes/);
    expect(out).to.match(/data block\s+64\s+\d+\s+64\/64 inclusion proofs/);
  });

  for (const [script, usage] of [
    ["gateway", "Usage: npm run gateway -- [options]"],
    ["bench:ingest", "Usage: npm run bench:ingest -- [options]"],
  ] as const) {
    it(`\`npm run ${script} -- --help\` prints its usage`, async () => {
      const { code, out } = await run("npm", ["run", script, "--silent", "--", "--help"]);
      expect(code, out).to.equal(0);
      expect(out).to.contain(usage);
    });
  }
});
