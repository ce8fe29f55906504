import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";

/** A JSON-RPC node (`hardhat node` or Anvil) this test process started on loopback. */
export interface LocalNode {
  url: string;
  chainId: number;
  /** One JSON-RPC call; throws the node's error message. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Kills the node's whole process group: `.bin/anvil` and `.bin/hardhat` start it as a child. */
  stop(): Promise<void>;
}

const BIN = path.join(process.cwd(), "node_modules", ".bin");

/**
 * Starts `hardhat node` or Anvil on a free port of 127.0.0.1, in its own process group,
 * and waits until it answers eth_chainId. Both fund the same development accounts. A port
 * someone else holds shows as a node that exits or never answers: another port is tried.
 *
 * @example
 * const node = await startLocalNode("anvil", { chainId: 73_001, args: ["--accounts", "20"] });
 * await node.rpc("anvil_mine", ["0x10"]);
 * await node.stop();
 */
export async function startLocalNode(
  kind: "anvil" | "hardhat",
  options: { chainId?: number; args?: string[]; port?: number } = {},
): Promise<LocalNode> {
  const chainId = options.chainId ?? 31_337;
  let lastError: unknown;
  // A given port is tried once: the caller wants that one (a node restarted in place).
  for (let attempt = 0; attempt < (options.port ? 1 : 5); attempt++) {
    // A port the OS has just handed out is free, unlike a random one: another node on it (of a
    // test run beside this one) would answer eth_chainId as if it were ours.
    const port = options.port ?? (await freePort());
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
    const child = spawn(path.join(BIN, kind), [...args, ...(options.args ?? [])], {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const node = localNode(`http://127.0.0.1:${port}`, chainId, child);
    try {
      await waitForRpc(node, child);
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
  let id = 0;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once("exit", () => resolve());
  });
  return {
    url,
    chainId,
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

/** A TCP port of 127.0.0.1 nobody listens on, as the OS assigns it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForRpc(node: LocalNode, child: ChildProcess, timeoutMs = 60_000) {
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
