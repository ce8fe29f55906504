import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { startLocalNode, type LocalNode } from "../helpers/startLocalNode.js";

/**
 * `npm start` end to end, as a user runs it: devices → gateway → chain → SDK verification and
 * the service's index, on the embedded network and on real JSON-RPC nodes (`hardhat node` and
 * Anvil from the npm package). Each run is bounded by --duration and must end with every accepted
 * record anchored and verified.
 */
const root = process.cwd();
const children: ChildProcess[] = [];
const nodes: LocalNode[] = [];

function run(
  command: string,
  args: string[],
): { child: ChildProcess; output: Promise<{ code: number | null; out: string }> } {
  // Own process group: `.bin/anvil` and `.bin/tsx` are wrappers that start the real process as
  // their child, so only killing the whole group leaves nothing behind.
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, CI: "true" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  return {
    child,
    output: new Promise((resolve) => child.on("close", (code) => resolve({ code, out }))),
  };
}

async function startSystem(extra: string[], dataDir?: string) {
  dataDir ??= await mkdtemp(path.join(tmpdir(), "dataledger-start-"));
  // The README's command itself: npm start -- <options>.
  const { output } = run("npm", [
    "start",
    "--",
    "--duration",
    "12",
    "--gateway-port",
    "0",
    "--service-port",
    "0",
    "--devices",
    "3",
    "--interval-ms",
    "500",
    "--data-dir",
    dataDir,
    ...extra,
  ]);
  const { code, out } = await output;
  const line = out.split("\n").find((l) => l.startsWith('{"event":"summary"'));
  expect(line, out).to.not.equal(undefined);
  const summary = JSON.parse(line!);
  expect(code, out).to.equal(0);
  expect(summary.accepted).to.be.greaterThan(0);
  expect(summary.verified).to.equal(summary.accepted);
  expect(summary.failed).to.equal(0);
  expect(summary.serviceSaysRecorded).to.equal(true);
  return summary;
}

describe("npm start (system)", function () {
  this.timeout(180_000);
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.stop();
    for (const child of children.splice(0)) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // the group is already gone
      }
    }
  });

  it("runs on the embedded chain (Anvil, state in the data directory)", async () => {
    await startSystem([]);
  });

  it("runs against `hardhat node` over --rpc-url", async () => {
    const node = await startLocalNode("hardhat");
    nodes.push(node);
    await startSystem(["--rpc-url", node.url]);
  });

  it("refuses a data directory set up on another chain in one line; --fresh starts over", async () => {
    const first = await startLocalNode("anvil");
    nodes.push(first);
    const { url } = first;
    const dataDir = await mkdtemp(path.join(tmpdir(), "dataledger-start-"));
    await startSystem(["--rpc-url", url, "--duration", "4"], dataDir);
    const saved = await readFile(path.join(dataDir, "dataledger.json"), "utf8");

    // The node restarts empty on the same port: a chain with another genesis block.
    await first.stop();
    await new Promise((r) => setTimeout(r, 1_100));
    nodes.push(await startLocalNode("anvil", { port: Number(new URL(url).port) }));
    const refused = await run("npm", [
      "start",
      "--silent",
      "--",
      "--rpc-url",
      url,
      "--data-dir",
      dataDir,
    ]).output;
    expect(refused.code, refused.out).to.equal(1);
    const lines = refused.out
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("error"));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^error DEPLOYMENT_MISMATCH: .* --fresh/);
    expect(refused.out).to.not.match(/^\s+at /m);
    expect(await readFile(path.join(dataDir, "dataledger.json"), "utf8")).to.equal(saved);

    const fresh = await startSystem(["--rpc-url", url, "--duration", "4", "--fresh"], dataDir);
    expect(fresh.verified).to.be.greaterThan(0);
    expect(await readFile(path.join(dataDir, "dataledger.json"), "utf8")).to.not.equal(saved);
  });

  it("runs against Anvil over --rpc-url", async () => {
    const node = await startLocalNode("anvil");
    nodes.push(node);
    await startSystem(["--rpc-url", node.url]);
  });
});
