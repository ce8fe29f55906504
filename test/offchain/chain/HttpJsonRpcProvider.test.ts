import http from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { Network } from "ethers";
import { network } from "hardhat";

import { HttpJsonRpcProvider } from "../../../offchain/chain/HttpJsonRpcProvider.js";

type Payload = { id: number; method: string; params: unknown[] };
type Seen = {
  contentType?: string;
  authorization?: string;
  transport: "own" | "ethers";
  body: Payload | Payload[];
};

/**
 * A loopback JSON-RPC node: answers eth_chainId, eth_blockNumber and test_echo, a JSON-RPC error
 * for test_fail, HTTP 500 on any path under /broken. Batches are answered in reverse order.
 */
async function startRpcServer() {
  const seen: Seen[] = [];
  const answer = ({ id, method, params }: Payload) => {
    if (method === "eth_chainId") return { jsonrpc: "2.0", id, result: "0x7a69" };
    if (method === "eth_blockNumber") return { jsonrpc: "2.0", id, result: "0x2a" };
    if (method === "test_echo") return { jsonrpc: "2.0", id, result: params[0] };
    return { jsonrpc: "2.0", id, error: { code: -32042, message: `${method} went wrong` } };
  };
  const server = http.createServer(async (req, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Payload | Payload[];
    seen.push({
      contentType: req.headers["content-type"],
      authorization: req.headers.authorization,
      // ethers' own transport asks for gzip; the provider's own asks for no encoding.
      transport: req.headers["accept-encoding"] === "gzip" ? "ethers" : "own",
      body,
    });
    if (req.url?.startsWith("/broken")) {
      res.writeHead(500).end("oops");
      return;
    }
    const reply = Array.isArray(body) ? body.map(answer).reverse() : answer(body);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { seen, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("offchain/chain: HttpJsonRpcProvider", () => {
  let rpc: Awaited<ReturnType<typeof startRpcServer>>;
  const providers: HttpJsonRpcProvider[] = [];
  const connect = (url: string, staticNetwork = false) => {
    const chain = Network.from(31337);
    const provider = new HttpJsonRpcProvider(
      url,
      staticNetwork ? chain : undefined,
      staticNetwork ? { staticNetwork: chain } : {},
    );
    providers.push(provider);
    return provider;
  };

  before(async () => {
    rpc = await startRpcServer();
  });
  beforeEach(() => {
    rpc.seen.length = 0;
  });
  after(async () => {
    for (const provider of providers) provider.destroy();
    await rpc.close();
  });

  it("posts JSON and reads the answers", async () => {
    const provider = connect(`http://127.0.0.1:${rpc.port}`);
    expect(await provider.send("eth_chainId", [])).to.equal("0x7a69");
    expect(await provider.getBlockNumber()).to.equal(42);
    expect(rpc.seen.length).to.be.greaterThan(0);
    for (const { contentType, authorization, transport } of rpc.seen) {
      expect(contentType).to.equal("application/json");
      expect(authorization).to.equal(undefined);
      expect(transport).to.equal("own");
    }
    expect(rpc.seen.flatMap(({ body }) => body).map(({ method }) => method)).to.include(
      "eth_blockNumber",
    );
  });

  it("matches the answers of a batch by id", async () => {
    const provider = connect(`http://127.0.0.1:${rpc.port}`, true);
    const values = ["a", "b", "c", "d", "e"];
    const answers = await Promise.all(values.map((v) => provider.send("test_echo", [v])));
    expect(answers).to.deep.equal(values);
    expect(rpc.seen).to.have.length(1);
    expect(rpc.seen[0].body).to.be.an("array").with.length(values.length);
  });

  it("rejects with the node's JSON-RPC error", async () => {
    const provider = connect(`http://127.0.0.1:${rpc.port}`, true);
    const [failed, echoed] = await Promise.allSettled([
      provider.send("test_fail", []),
      provider.send("test_echo", ["still fine"]),
    ]);
    expect(failed.status).to.equal("rejected");
    const error = (failed as PromiseRejectedResult).reason as {
      error?: { code: number; message: string };
    };
    expect(error.error).to.deep.equal({ code: -32042, message: "test_fail went wrong" });
    expect(echoed).to.deep.equal({ status: "fulfilled", value: "still fine" });
  });

  it("sends a sendNow request on its own, not in a batch, and rejects with its JSON-RPC error", async () => {
    const provider = connect(`http://127.0.0.1:${rpc.port}`, true);
    const [now, queued] = await Promise.all([
      provider.sendNow("eth_blockNumber", []),
      provider.send("test_echo", ["queued"]),
    ]);
    expect(now).to.equal("0x2a");
    expect(queued).to.equal("queued");
    const single = rpc.seen.find(
      ({ body }) => !Array.isArray(body) && body.method === "eth_blockNumber",
    );
    expect(single, JSON.stringify(rpc.seen)).to.not.equal(undefined);
    const error = await provider.sendNow("test_fail", []).then(
      () => expect.fail("should reject"),
      (e: { error?: { code: number; message: string } }) => e,
    );
    expect(error.error).to.deep.equal({ code: -32042, message: "test_fail went wrong" });
  });

  it("rejects on an HTTP error status, naming only the origin", async () => {
    const provider = connect(`http://127.0.0.1:${rpc.port}/broken/api-key-123`, true);
    const error = await provider.send("eth_blockNumber", []).then(
      () => expect.fail("should reject"),
      (e: Error & { code?: string }) => e,
    );
    expect(error.code).to.equal("SERVER_ERROR");
    expect(error.message).to.include("500").and.include(`http://127.0.0.1:${rpc.port}`);
    expect(error.message).not.to.include("api-key-123");
  });

  it("falls back to ethers' transport for a URL with credentials", async () => {
    const provider = connect(`http://u:p@127.0.0.1:${rpc.port}`);
    expect(await provider.getBlockNumber()).to.equal(42);
    const basic = `Basic ${Buffer.from("u:p").toString("base64")}`;
    expect(rpc.seen.length).to.be.greaterThan(0);
    for (const { authorization, transport } of rpc.seen) {
      expect(authorization).to.equal(basic);
      expect(transport).to.equal("ethers");
    }
  });

  it("drives a real node: a transfer and its receipt", async () => {
    const server = await network.createServer(undefined, "127.0.0.1");
    try {
      const { port } = await server.listen();
      const provider = connect(`http://127.0.0.1:${port}`);
      const signer = await provider.getSigner(0);
      const tx = await signer.sendTransaction({ to: signer.address, value: 1n });
      const receipt = await tx.wait();
      expect(receipt?.status).to.equal(1);
      // eth_blockNumber itself: getBlockNumber() may answer from ethers' 250 ms cache.
      expect(Number(await provider.send("eth_blockNumber", []))).to.equal(receipt?.blockNumber);
    } finally {
      await server.close();
    }
  });
});
