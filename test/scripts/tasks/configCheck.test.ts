import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import hre from "hardhat";

import type { Finding } from "../../../offchain/control/checkConfiguration.js";
import { serviceMigrations } from "../../../offchain/service/schema.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import {
  actorsFromMnemonic,
  bootstrapLedger,
  type BootstrappedLedger,
} from "../../../offchain/system/bootstrapLedger.js";
import { DataDirectory } from "../../../offchain/system/DataDirectory.js";
import { DataLedger__factory } from "../../../types/ethers-contracts/index.js";
import { runHardhatCli } from "../../helpers/runHardhatCli.js";
import { startLocalNode, type LocalNode } from "../../helpers/startLocalNode.js";

/**
 * `config:check` as a command: its output and outcome on the demo deployment (bootstrapLedger)
 * on an Anvil, healthy and then paused. Runs in-process through Hardhat's task runner (the
 * whole action: options, connection, output), plus once as a separate `hardhat` process to see
 * the exit code an operator's script sees.
 */
describe("scripts/tasks: config:check", function () {
  this.timeout(60_000);

  let node: LocalNode;
  let provider: JsonRpcProvider;
  let dir: string;
  let boot: BootstrappedLedger;
  let args: Record<string, unknown>;
  const actors = () => actorsFromMnemonic(provider);

  /** Runs config:check in this process; what it printed, and the Result Hardhat's CLI exits by. */
  async function run(extra: Record<string, unknown> = {}) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const { log, error } = console;
    console.log = (...parts: unknown[]) => void stdout.push(parts.join(" "));
    console.error = (...parts: unknown[]) => void stderr.push(parts.join(" "));
    let result: { success: boolean; error?: { code?: string } };
    try {
      result = await hre.tasks.getTask("config:check").run({ ...args, ...extra });
    } finally {
      console.log = log;
      console.error = error;
    }
    return { ...result, stdout, stderr };
  }

  before(async () => {
    node = await startLocalNode("anvil");
    provider = new JsonRpcProvider(node.url, node.chainId, {
      staticNetwork: true,
      // Every actor sends several transactions in a row: a cached "pending" nonce would repeat one.
      cacheTimeout: -1,
    });
    dir = await mkdtemp(path.join(tmpdir(), "config-check-task-"));
    const blobDir = path.join(dir, "blobs");
    boot = await bootstrapLedger({
      actors: actors(),
      blobStore: new DirectoryBlobStore(blobDir),
      devices: 1,
    });
    args = {
      rpcUrl: node.url,
      ledger: boot.ledgerAddress,
      accessRegistry: boot.accessAddress,
      gateway: actors().gateway.address,
      blobDir,
    };
  });

  after(async () => {
    provider?.destroy();
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("prints one ok line and succeeds on the healthy deployment", async () => {
    const healthy = await run();
    expect(healthy.success, healthy.stderr.join("\n")).to.equal(true);
    expect(healthy.stderr).to.deep.equal([]);
    expect(healthy.stdout).to.deep.equal([
      `ok: no configuration findings for ledger ${boot.ledgerAddress}`,
    ]);
    const json = await run({ json: true });
    expect(json.success).to.equal(true);
    expect(JSON.parse(json.stdout.join("\n"))).to.deep.equal({ ok: true, findings: [] });
  });

  it("refuses a bad option before connecting, with one error line", async () => {
    const bad = await run({ gateway: "0x1234" });
    expect(bad.success).to.equal(false);
    expect(bad.error?.code).to.equal("TASK_INVALID_OPTION");
    expect(bad.stderr).to.have.length(1);
    expect(bad.stderr[0]).to.match(/^error TASK_INVALID_OPTION: --gateway /);
  });

  it("reads a service database in a data directory, and refuses one a running system holds", async () => {
    const data = new DataDirectory(path.join(dir, "data"));
    await mkdir(data.dir, { recursive: true });
    await data.writeSystem({ version: 2 });
    const serviceDatabase = data.path("service-db");
    const db = await openDatabase({ dataDir: serviceDatabase });
    await migrate(db, serviceMigrations);
    await db.close();

    const free = await run({ serviceDatabase });
    expect(free.success, free.stderr.join("\n")).to.equal(true);
    expect(existsSync(data.path("dataledger.lock")), "the lock is given back").to.equal(false);

    // Another process holds the directory, as a running `npm start` does.
    const holder = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      await writeFile(data.path("dataledger.lock"), String(holder.pid));
      const held = await run({ serviceDatabase });
      expect(held.success).to.equal(false);
      expect(held.error?.code).to.equal("DATA_DIR_IN_USE");
      expect(held.stderr).to.have.length(1);
    } finally {
      holder.kill();
    }
    const missing = await run({ serviceDatabase: path.join(dir, "no-such-db") });
    expect(missing.error?.code).to.equal("TASK_INVALID_OPTION");
  });

  it("prints each finding on a line, fails, and gives them as JSON with --json", async () => {
    const ledger = DataLedger__factory.connect(boot.ledgerAddress, actors().supervisor);
    await (await ledger.pause()).wait();
    const lines = await run();
    expect(lines.success).to.equal(false);
    expect(lines.error?.code).to.equal("CONFIG_CHECK_FINDINGS");
    expect(lines.stdout).to.deep.equal([
      `LEDGER_PAUSED  the ledger is paused: no source, relayer or gateway can submit (unpause)  (ledger=${boot.ledgerAddress})`,
    ]);
    expect(lines.stderr).to.deep.equal([
      "error CONFIG_CHECK_FINDINGS: 1 configuration finding(s): LEDGER_PAUSED",
    ]);

    const json = await run({ json: true });
    expect(json.success).to.equal(false);
    const report = JSON.parse(json.stdout.join("\n")) as { ok: boolean; findings: Finding[] };
    expect(report.ok).to.equal(false);
    expect(report.findings.map((f) => [f.code, f.ids])).to.deep.equal([
      ["LEDGER_PAUSED", { ledger: boot.ledgerAddress }],
    ]);

    // The exit code an operator's script branches on, from a `hardhat` process of its own.
    const cli = await runHardhatCli([
      "config:check",
      "--rpc-url",
      node.url,
      "--ledger",
      boot.ledgerAddress,
      "--access-registry",
      boot.accessAddress,
      "--blob-dir",
      String(args.blobDir),
      "--json",
    ]);
    expect(cli.code, cli.stderr).to.equal(1);
    expect(JSON.parse(cli.stdout).findings.map((f: Finding) => f.code)).to.deep.equal([
      "LEDGER_PAUSED",
    ]);
    expect(cli.stderr.trim()).to.equal(
      "error CONFIG_CHECK_FINDINGS: 1 configuration finding(s): LEDGER_PAUSED",
    );
  });
});
