import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

/**
 * The start command's front door, as a user meets it: `npm start -- --help` documents every
 * option with its default, and a wrong command line or a busy port is one line with a code and
 * a usage hint, exit 2, and leaves nothing behind (no data directory, no chain).
 */
function npmStart(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["start", "--silent", "--", ...args], {
      cwd: process.cwd(),
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const noStackTrace = (text: string) => expect(text).to.not.match(/^\s+at /m);

describe("npm start command line (system)", function () {
  this.timeout(60_000);
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), "dataledger-cli-"));
  });

  it("--help lists every option with what it does and its default", async () => {
    const { code, stdout } = await npmStart(["--help"]);
    expect(code).to.equal(0);
    for (const option of [
      "--rpc-url",
      "--data-dir",
      "--fresh",
      "--host",
      "--gateway-port",
      "--service-port",
      "--devices",
      "--interval-ms",
      "--batch",
      "--duration",
      "--help",
    ]) {
      expect(stdout, option).to.match(new RegExp(`^\\s+(-\\w, )?${option}\\b.*\\S+`, "m"));
    }
    expect(stdout).to.contain('(default: "data")');
    expect(stdout).to.contain("(default: 8787)");
    expect(stdout).to.contain("DATALEDGER_MNEMONIC");
  });

  for (const [what, args, message] of [
    ["an unknown flag", ["--bogus"], /unknown option '--bogus'/],
    ["a bad number", ["--devices", "four"], /--devices .*must be a non-negative integer/],
    ["a port out of range", ["--gateway-port", "70000"], /must be a port number/],
    ["a missing value", ["--rpc-url"], /argument missing/],
  ] as const) {
    it(`refuses ${what} in one line with a usage hint, exit 2, creating nothing`, async () => {
      const dataDir = path.join(scratch, `refused-${what.replace(/\W+/g, "-")}`);
      const { code, stderr } = await npmStart(["--data-dir", dataDir, ...args]);
      expect(code).to.equal(2);
      expect(stderr).to.match(message);
      expect(stderr).to.contain("npm start -- --help");
      expect(stderr.trim().split("\n")).to.have.length(2);
      noStackTrace(stderr);
      expect(existsSync(dataDir), "data directory created").to.equal(false);
    });
  }

  for (const [what, args, env, line] of [
    [
      "a --rpc-url where no node answers",
      ["--rpc-url", "http://127.0.0.1:9"],
      {},
      /^error CHAIN_UNAVAILABLE: No JSON-RPC node answers at http:\/\/127\.0\.0\.1:9 \(--rpc-url\)$/,
    ],
    [
      "a mnemonic that is not BIP-39",
      [],
      { DATALEDGER_MNEMONIC: "not a mnemonic" },
      /^error MNEMONIC_INVALID: /,
    ],
  ] as const) {
    it(`refuses ${what} in one line, exit 1, creating nothing`, async () => {
      const dataDir = path.join(scratch, `refused-${what.replace(/\W+/g, "-")}`);
      const { code, stderr } = await npmStart(["--data-dir", dataDir, ...args], env);
      expect(code).to.equal(1);
      expect(stderr.trim()).to.match(line);
      expect(existsSync(dataDir), "data directory created").to.equal(false);
    });
  }

  for (const flag of ["--gateway-port", "--service-port"]) {
    it(`refuses a ${flag} in use with PORT_IN_USE before it creates anything`, async () => {
      const busy: Server = createServer();
      const port = await new Promise<number>((resolve) =>
        busy.listen(0, "127.0.0.1", () => resolve((busy.address() as { port: number }).port)),
      );
      try {
        const dataDir = path.join(scratch, `busy${flag}`);
        const { code, stderr } = await npmStart(["--data-dir", dataDir, flag, String(port)]);
        expect(code).to.equal(2);
        expect(stderr.trim()).to.equal(
          `error PORT_IN_USE: 127.0.0.1:${port} is in use; choose another with ${flag} (0 picks a free one)`,
        );
        expect(existsSync(dataDir), "data directory created").to.equal(false);
      } finally {
        busy.close();
      }
    });
  }
});
