import { execSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { EmbeddedChain } from "../../../offchain/system/EmbeddedChain.js";

/** The embedded chain of `npm start`: an Anvil node whose state survives restarts. */
async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await res.json()) as { result: T }).result;
}

const DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

async function sendTx(url: string) {
  // PUSH1 0 PUSH1 0 LOG0 STOP: a contract creation that logs, so blocks carry logs too.
  const hash = await rpc<string>(url, "eth_sendTransaction", [
    { from: DEV_ACCOUNT, data: "0x60006000a000" },
  ]);
  // Anvil mines just after it answers: wait for the block, so a head read next includes it.
  while (!(await rpc<object | null>(url, "eth_getTransactionReceipt", [hash]))) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

const blockHash = async (url: string, tag: string) =>
  (await rpc<{ hash: string }>(url, "eth_getBlockByNumber", [tag, false])).hash;
const blockNumber = (url: string) => rpc<string>(url, "eth_blockNumber");

describe("offchain/system: EmbeddedChain", function () {
  this.timeout(60_000);

  it("keeps its blocks, logs and genesis across restarts, also after several", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dataledger-chain-"));
    let chain = await EmbeddedChain.start({ dir });
    const genesis = await blockHash(chain.rpcUrl, "0x0");
    for (let round = 0; round < 4; round++) {
      await sendTx(chain.rpcUrl);
      const head = await blockHash(chain.rpcUrl, "latest");
      await chain.stop();
      expect(existsSync(path.join(dir, "anvil.pid"))).to.equal(false);
      // Start again a second later: a new Anvil makes a genesis of another time of its own.
      await new Promise((r) => setTimeout(r, 1_100));
      chain = await EmbeddedChain.start({ dir });
      expect(await blockHash(chain.rpcUrl, "0x0"), `round ${round}`).to.equal(genesis);
      expect(await blockHash(chain.rpcUrl, "latest")).to.equal(head);
      expect(
        await rpc<unknown[]>(chain.rpcUrl, "eth_getLogs", [
          { fromBlock: "0x0", toBlock: "latest" },
        ]),
      ).to.have.length(round + 1);
    }
    await chain.stop();
  });

  it("comes back from the last snapshot after a SIGKILL, ending the killed node first", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dataledger-chain-"));
    const chain = await EmbeddedChain.start({ dir, snapshotIntervalMs: 100 });
    await sendTx(chain.rpcUrl);
    await chain.snapshot();
    const kept = await blockNumber(chain.rpcUrl);
    // The launcher dies (no stop()); its node is left running with the old port.
    const stalePid = Number(await readFile(path.join(dir, "anvil.pid"), "utf8"));
    expect(existsSync(`/proc/${stalePid}`)).to.equal(true);
    const again = await EmbeddedChain.start({ dir });
    try {
      expect(existsSync(`/proc/${stalePid}`), "the stale node still runs").to.equal(false);
      expect(await blockNumber(again.rpcUrl)).to.equal(kept);
    } finally {
      await again.stop();
    }
  });

  it("ends with its launcher, however the launcher ends (SIGKILL included)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dataledger-chain-"));
    const script = path.join(dir, "launcher.mts");
    await writeFile(
      script,
      `import { EmbeddedChain } from ${JSON.stringify(path.join(process.cwd(), "offchain/system/EmbeddedChain.ts"))};
       const chain = await EmbeddedChain.start({ dir: ${JSON.stringify(dir)} });
       console.log(chain.rpcUrl);
       setInterval(() => {}, 1000);`,
    );
    const launcher = spawn(path.join(process.cwd(), "node_modules", ".bin", "tsx"), [script], {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    const url = await new Promise<string>((resolve) =>
      launcher.stdout!.on("data", (d: Buffer) => resolve(d.toString().trim())),
    );
    expect(await blockNumber(url)).to.equal("0x0");
    const wrapper = Number(await readFile(path.join(dir, "anvil.pid"), "utf8"));
    // A terminal's Ctrl-C goes to the launcher's process group: the node is not in it.
    expect(Number(execSync(`ps -o pgid= -p ${wrapper}`).toString().trim())).to.equal(wrapper);
    // tsx runs the script as its child: kill the launcher's whole group, as a crash would.
    process.kill(-launcher.pid!, "SIGKILL");
    const until = Date.now() + 5_000;
    while (existsSync(`/proc/${wrapper}`) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(`/proc/${wrapper}`), "the node outlived its launcher").to.equal(false);
    expect(
      await blockNumber(url).then(
        () => "answers",
        () => "gone",
      ),
    ).to.equal("gone");
  });

  it("never loads a torn snapshot: a partial temporary file is ignored", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dataledger-chain-"));
    const chain = await EmbeddedChain.start({ dir });
    await sendTx(chain.rpcUrl);
    const head = await blockNumber(chain.rpcUrl);
    await chain.stop();
    // A kill in the middle of writing a snapshot leaves this behind, never a torn state.json.
    await writeFile(path.join(dir, "state.json.tmp"), '{"block":{"num');
    const again = await EmbeddedChain.start({ dir });
    try {
      expect(await blockNumber(again.rpcUrl)).to.equal(head);
    } finally {
      await again.stop();
    }
  });

  it("says what went wrong, with the code EMBEDDED_CHAIN_FAILED, when the state cannot be read", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "dataledger-chain-"));
    await writeFile(path.join(dir, "state.json"), "not json");
    let caught: { code?: string; shortMessage?: string } | undefined;
    try {
      await (await EmbeddedChain.start({ dir })).stop();
    } catch (error) {
      caught = error as typeof caught;
    }
    expect(caught?.code).to.equal("EMBEDDED_CHAIN_FAILED");
    expect(caught?.shortMessage).to.contain("--fresh");
  });
});
