import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** A JSON-RPC node (`hardhat node` or Anvil) this test process started on loopback. */
export interface LocalNode {
  url: string;
  chainId: number;
  /** Kills the node's whole process group: `.bin/anvil` and `.bin/hardhat` start it as a child. */
  stop(): Promise<void>;
}

const BIN = path.join(process.cwd(), "node_modules", ".bin");

/**
 * Starts `hardhat node` or Anvil on a random high port of 127.0.0.1 with the given chain id, in
 * its own process group, and waits until it answers eth_chainId. Both fund the same development
 * accounts. A port someone else holds shows as a node that exits or never answers: another port
 * is tried.
 *
 * @example
 * const node = await startLocalNode("anvil", 73_001);
 * // … hardhat roles:grant --rpc-url node.url …
 * await node.stop();
 */
export async function startLocalNode(
  kind: "anvil" | "hardhat",
  chainId: number,
): Promise<LocalNode> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const args =
      kind === "anvil"
        ? ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), "--silent"]
        : [
            "node",
            "--hostname",
            "127.0.0.1",
            "--port",
            String(port),
            "--chain-id",
            String(chainId),
          ];
    const child = spawn(path.join(BIN, kind), args, {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const node = localNode(`http://127.0.0.1:${port}`, chainId, child);
    try {
      await waitForRpc(node.url, child);
      return node;
    } catch (error) {
      lastError = new Error(`${kind} on port ${port} did not start: ${stderr.trim()}`, {
        cause: error,
      });
      await node.stop();
    }
  }
  throw lastError;
}

function localNode(url: string, chainId: number, child: ChildProcess): LocalNode {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once("exit", () => resolve());
  });
  return {
    url,
    chainId,
    async stop() {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // the group is already gone
      }
      await exited;
    },
  };
}

async function waitForRpc(url: string, child: ChildProcess, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    const ok = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error("no answer");
}
