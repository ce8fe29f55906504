import path from "node:path";

import type { ChildProcesses } from "./ChildProcesses.js";
import { freePort } from "./ChildProcesses.js";

/**
 * Starts `hardhat node` (automine, the development mnemonic's funded accounts) on a loopback port
 * and waits until it answers eth_chainId. Its per-request log lines are drained and dropped.
 *
 * @example
 * const { rpcUrl, pid } = await startHardhatNode(children, root);
 */
export async function startHardhatNode(
  children: ChildProcesses,
  root: string,
  timeoutMs = 120_000,
): Promise<{ rpcUrl: string; pid: number }> {
  const port = await freePort();
  const bin = path.join(root, "node_modules", ".bin", "hardhat");
  const child = children.spawn(
    "hardhat node",
    process.execPath,
    [bin, "node", "--hostname", "127.0.0.1", "--port", String(port)],
    { cwd: root },
  );
  let stderr = "";
  child.stdout!.resume();
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) {
      throw new Error(`hardhat node exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      const res = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return { rpcUrl, pid: child.pid! };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`hardhat node did not answer within ${timeoutMs} ms: ${stderr}`);
}
