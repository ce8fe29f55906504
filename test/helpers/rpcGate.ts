import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback JSON-RPC forwarder that can hold every request until released: what a gateway sees
 * of a node that went quiet while the chain behind it changed (restarted from an older state and
 * mined on), so a test can change the chain between two of its ticks, not during one.
 *
 * @example
 * const gate = await openRpcGate(anvil.url);
 * await gate.hold();
 * await anvil.rpc("evm_revert", [snapshot]);
 * gate.release();
 */
export interface RpcGate {
  url: string;
  /** Resolves once no forwarded request is in flight; later ones wait for `release()`. */
  hold(): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

export async function openRpcGate(target: string): Promise<RpcGate> {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    while (gate) await gate;
    inFlight++;
    try {
      const upstream = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(body);
    } catch {
      res.writeHead(502).end();
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const release = () => {
    const resolve = open;
    gate = undefined;
    open = undefined;
    resolve?.();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    async hold() {
      gate ??= new Promise<void>((resolve) => (open = resolve));
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      idle = undefined;
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
