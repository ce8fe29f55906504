import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** An Anvil node this test process started, on loopback. */
export interface AnvilNode {
  url: string;
  /** One JSON-RPC call; throws the node's error message. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Kills the node's whole process group (`.bin/anvil` is a wrapper around the real binary). */
  stop(): Promise<void>;
}

const ANVIL = path.join(process.cwd(), "node_modules", ".bin", "anvil");

/**
 * Starts Anvil (npm `@foundry-rs/anvil`) on a random high port of 127.0.0.1, in its own process
 * group, and waits until it answers. A port someone else holds shows as a node that exits or
 * never answers: another port is tried.
 *
 * @example
 * const anvil = await startAnvil();
 * await anvil.rpc("anvil_mine", ["0x10"]);
 * await anvil.stop();
 */
export async function startAnvil(args: string[] = []): Promise<AnvilNode> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const child = spawn(
      ANVIL,
      ["--host", "127.0.0.1", "--port", String(port), "--silent", ...args],
      {
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      },
    );
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const url = `http://127.0.0.1:${port}`;
    const node = anvilNode(url, child);
    try {
      await waitForRpc(node, child);
      return node;
    } catch (error) {
      lastError = new Error(`anvil on port ${port} did not start: ${stderr.trim()}`, {
        cause: error,
      });
      await node.stop();
    }
  }
  throw lastError;
}

function anvilNode(url: string, child: ChildProcess): AnvilNode {
  let id = 0;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once("exit", () => resolve());
  });
  return {
    url,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: T; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result as T;
    },
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

async function waitForRpc(node: AnvilNode, child: ChildProcess, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
    const ok = await node
      .rpc("eth_chainId")
      .then(() => true)
      .catch(() => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("no answer");
}
