import { expect } from "chai";
import net from "node:net";

import { httpPost } from "../../../offchain/shared/httpPost.js";

/**
 * A minimal HTTP/1.1 server on raw sockets: answers each request with its body reversed on a
 * kept-alive connection, except that it resets (RST) a connection when it gets the second
 * request on it, as a server closing an idle kept-alive socket just as the client reuses it.
 */
async function resettingServer() {
  const seen: { connection: number; body: string }[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const connection = ++connections;
    let requests = 0;
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString();
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.slice(end + 4, end + 4 + length);
      buffered = "";
      if (++requests === 2) return socket.resetAndDestroy();
      seen.push({ connection, body });
      const answer = [...body].reverse().join("");
      socket.write(
        `HTTP/1.1 201 Created\r\nconnection: keep-alive\r\ncontent-length: ${answer.length}\r\n\r\n${answer}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  // The client's kept-alive socket is unref'd, but this side's would keep the test process alive.
  const close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  };
  return { url: `http://127.0.0.1:${port}/v1/records/bulk`, seen, close };
}

describe("offchain/shared: httpPost", () => {
  it("returns status and text, and resends once on a reused socket the server reset", async () => {
    const { url, seen, close } = await resettingServer();
    try {
      expect(await httpPost(url, "abc", "application/x-ndjson")).to.deep.equal({
        status: 201,
        statusText: "Created",
        text: "cba",
      });
      // Goes out on the kept-alive socket, which the server resets: sent again on a new one.
      expect(await httpPost(url, "xyz", "application/x-ndjson")).to.deep.equal({
        status: 201,
        statusText: "Created",
        text: "zyx",
      });
      expect(seen).to.deep.equal([
        { connection: 1, body: "abc" },
        { connection: 2, body: "xyz" },
      ]);
    } finally {
      await close();
    }
  });

  it("rejects with TIMEOUT when no response comes in time", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const started = Date.now();
      let error: NodeJS.ErrnoException | undefined;
      await httpPost(`http://127.0.0.1:${port}/`, "abc", "text/plain", { timeoutMs: 100 }).catch(
        (e) => (error = e),
      );
      expect(error?.code).to.equal("TIMEOUT");
      expect(Date.now() - started).to.be.within(90, 2_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("refuses a URL that is not http(s)", async () => {
    let error: Error | undefined;
    await httpPost("ws://127.0.0.1:1/", "abc", "text/plain").catch((e) => (error = e));
    expect(error).to.be.instanceOf(TypeError);
  });

  it("rejects when nothing listens", async () => {
    const { close, url } = await resettingServer();
    await close();
    let error: NodeJS.ErrnoException | undefined;
    await httpPost(url, "abc", "text/plain").catch((e) => (error = e));
    expect(error?.code).to.equal("ECONNREFUSED");
  });
});
