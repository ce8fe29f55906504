import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { createPublicClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createRecord } from "../../offchain/sdk/createRecord.js";
import { ledgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import { readSourceEpoch } from "../../offchain/sdk/readSourceEpoch.js";
import { getRecordStatus, sendRecords } from "../../offchain/sdk/sendRecords.js";
import type { Submission } from "../../offchain/sdk/wire.js";
import { signRecord } from "../../offchain/sdk/signRecord.js";
import { verifyReceipt } from "../../offchain/sdk/verifyReceipt.js";

/**
 * `npm start` is durable: SIGKILLed mid-flow several times and started again on the same data
 * directory, it continues on the same chain and deployment, and every record a device was told
 * "accepted" is anchored exactly once and verifies against the chain. The test is the device: it
 * signs with a key of the system's own (from the data directory) and counts only the records the
 * gateway acknowledged; the chain and the supervisor's index, through the public APIs, are the
 * judges.
 */
const root = process.cwd();
const KILLS = 3;

interface Run {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
  gatewayUrl: string;
  serviceUrl: string;
  rpcUrl: string;
}

async function startSystem(dataDir: string, extra: string[] = []): Promise<Run> {
  // Its own process group: npm start runs Anvil as its child, and a crash kills them together.
  const child = spawn(
    "npm",
    [
      "start",
      "--",
      "--data-dir",
      dataDir,
      "--gateway-port",
      "0",
      "--service-port",
      "0",
      "--devices",
      "2",
      "--interval-ms",
      "400",
      ...extra,
    ],
    {
      cwd: root,
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  // "close", not "exit": npm can exit before its grandchild's last lines (the summary) are read
  // from the pipe, and the assertions below read them.
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const until = Date.now() + 90_000;
  for (;;) {
    const gateway = /gateway \(R2D\)\s+(http\S+)/.exec(out);
    const service = /service \(U2S\)\s+(http\S+)/.exec(out);
    const chain = /\(embedded, (http\S+)\)/.exec(out);
    if (gateway && service && chain) {
      return {
        child,
        out: () => out,
        exit,
        gatewayUrl: gateway[1],
        serviceUrl: service[1],
        rpcUrl: chain[1],
      };
    }
    if (child.exitCode !== null || Date.now() > until) {
      throw new Error(`npm start did not come up (exit ${child.exitCode}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function kill(run: Run): Promise<unknown> {
  try {
    process.kill(-run.child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
  return run.exit;
}

describe("npm start survives SIGKILL (system)", function () {
  this.timeout(300_000);
  const runs: Run[] = [];
  after(async () => {
    for (const run of runs) await kill(run);
  });

  it(`anchors every acknowledged record exactly once across ${KILLS} SIGKILLs`, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "dataledger-restart-"));
    const acked = new Map<Hex, unknown>();
    let seq = 0;
    let ledger: Hex | undefined;

    // Sends bulks of this test's own readings until `stopAt`, as a device would: only a 202
    // answer counts, a request cut off by the kill does not.
    const sendUntil = async (run: Run, stopAt: number) => {
      const system = JSON.parse(await readFile(path.join(dataDir, "dataledger.json"), "utf8"));
      ledger ??= system.deployment.ledgerAddress;
      expect(system.deployment.ledgerAddress, "a restart must keep the deployment").to.equal(
        ledger,
      );
      const device = privateKeyToAccount(system.deviceKeys[0]);
      const domain = ledgerDomain(BigInt(system.deployment.chainId), ledger!);
      // Read again after every restart, as a device would: the resumed source's epoch.
      const epoch = await readSourceEpoch({
        rpcUrl: run.rpcUrl,
        ledgerAddress: ledger!,
        source: device.address,
      });
      while (Date.now() < stopAt) {
        const submissions: Submission[] = [];
        for (let i = 0; i < 5; i++) {
          const sampledAt = Math.floor(Date.now() / 1000);
          const payload = { deviceId: "restart-test", pm25: 1, pm10: 2, sampledAt, seq: seq++ };
          const { record } = createRecord({ payload, formatId: system.formatId, sampledAt });
          const operation = await signRecord({
            account: device,
            domain,
            record,
            deadline: sampledAt + 3600,
            epoch,
          });
          submissions.push({ operation, payload });
        }
        const verdicts = await sendRecords(run.gatewayUrl, submissions, { attempts: 1 }).catch(
          () => [],
        );
        verdicts.forEach((v, i) => v.recordId && acked.set(v.recordId, submissions[i].payload));
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    for (let k = 0; k < KILLS; k++) {
      const run = await startSystem(dataDir);
      runs.push(run);
      // Kill at a different point of the flow each time: 1.5 to 4 s of traffic.
      await sendUntil(run, Date.now() + 1_500 + ((k * 1_250) % 2_500));
      await kill(run);
    }
    const ackedBeforeFinal = acked.size;
    expect(ackedBeforeFinal).to.be.greaterThan(0);

    const final = await startSystem(dataDir, ["--duration", "25"]);
    runs.push(final);
    await sendUntil(final, Date.now() + 2_000);

    // Every acknowledged record: anchored, its receipt verified by the SDK against the chain
    // alone, and held exactly once by the supervisor's index of the final chain.
    const publicClient = createPublicClient({ transport: http(final.rpcUrl) });
    const pending = new Set(acked.keys());
    const until = Date.now() + 60_000;
    while (pending.size > 0 && Date.now() < until) {
      for (const id of [...pending]) {
        const { status, receipt } = await getRecordStatus(final.gatewayUrl, id);
        if (status !== "anchored" || !receipt) continue;
        await verifyReceipt({
          payload: acked.get(id),
          receipt,
          publicClient,
          ledgerAddress: ledger!,
        });
        pending.delete(id);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect([...pending], "acknowledged records never anchored").to.deep.equal([]);

    let duplicates = 0;
    let missing = 0;
    for (const [id, payload] of acked) {
      let records: unknown[] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        // The service verifies a payload; of the records holding it (a device may send the same
        // reading at several sampling times), count those with this record's id.
        const res = await fetch(`${final.serviceUrl}/v1/verify`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ payload }),
        });
        records = ((await res.json()) as { records: { recordId: string }[] }).records.filter(
          (r) => r.recordId.toLowerCase() === id.toLowerCase(),
        );
        if (records.length > 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (records.length === 0) missing++;
      if (records.length > 1) duplicates++;
    }
    // After a kill the chain comes back from its last snapshot; the gateway says when that put it
    // behind what it had seen (informational: a kill right after a snapshot loses nothing).
    const rewinds = runs.reduce(
      (n, run) => n + (run.out().match(/\[representation\] rewound /g) ?? []).length,
      0,
    );
    console.log(
      `      restart figures: ${KILLS} kills, ${rewinds} chain rewinds met on restart, ${acked.size} records acknowledged ` +
        `(${ackedBeforeFinal} before the final start), ${acked.size} anchored and verified, ` +
        `${missing} missing from the index, ${duplicates} anchored more than once`,
    );
    expect({ missing, duplicates }).to.deep.equal({ missing: 0, duplicates: 0 });

    // The final run's own devices too: it ends with every record it accepted verified.
    expect(await final.exit, final.out()).to.equal(0);
    expect(final.out()).to.match(/"event":"summary"/);
  });

  it("stops cleanly on a terminal's Ctrl-C (SIGINT to the whole group) and resumes with no rewind", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "dataledger-ctrl-c-"));
    const run = await startSystem(dataDir);
    runs.push(run);
    const until = Date.now() + 60_000;
    while (!/first record verified/.test(run.out()) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run.out(), "no record verified within 60 s").to.match(/first record verified/);
    process.kill(-run.child.pid!, "SIGINT");
    // npm, which got the SIGINT too, re-raises it once its script is done: the usual Unix end of
    // a Ctrl-C (a shell shows 130). The system's own stop is what the output shows.
    expect(await run.exit, run.out()).to.be.oneOf([0, null]);
    expect(run.out()).to.match(/"event":"summary"/);
    const stopLine = run
      .out()
      .split("\n")
      .find((l) => l.startsWith("stopped (SIGINT)"));
    expect(stopLine, run.out()).to.match(/failed verification 0$/);
    expect(run.out()).to.not.match(/ECONNREFUSED|fetch failed|last snapshot failed/);

    const again = await startSystem(dataDir, ["--duration", "4"]);
    runs.push(again);
    expect(await again.exit, again.out()).to.equal(0);
    expect(again.out(), "the clean stop lost blocks").to.not.match(/\[representation\] rewound /);
  });
});
