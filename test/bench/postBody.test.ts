import { expect } from "chai";
import net from "node:net";

import { postBody } from "../../bench/ingest/postBody.js";

/**
 * A minimal HTTP/1.1 server on raw sockets: answers each request with its body reversed on a
 * kept-alive connection, except that it resets (RST) a connection when it gets the second
 * request on it, as a server closing an idle kept-alive socket just as the client reuses it.
 */
async function resettingServer() {
  const seen: { connection: number; body: string }[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
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
  return { url: `http://127.0.0.1:${port}/v1/records/bulk`, seen, server };
}

describe("bench/ingest: postBody", () => {
  it("returns status and text, and resends once on a reused socket the server reset", async () => {
    const { url, seen, server } = await resettingServer();
    try {
      expect(await postBody(url, "abc", "application/x-ndjson")).to.deep.equal({
        status: 201,
        text: "cba",
      });
      // Goes out on the kept-alive socket, which the server resets: sent again on a new one.
      expect(await postBody(url, "xyz", "application/x-ndjson")).to.deep.equal({
        status: 201,
        text: "zyx",
      });
      expect(seen).to.deep.equal([
        { connection: 1, body: "abc" },
        { connection: 2, body: "xyz" },
      ]);
    } finally {
      server.close();
    }
  });

  it("rejects when nothing listens", async () => {
    const { server, url } = await resettingServer();
    await new Promise((resolve) => server.close(resolve));
    let error: NodeJS.ErrnoException | undefined;
    await postBody(url, "abc", "text/plain").catch((e) => (error = e));
    expect(error?.code).to.equal("ECONNREFUSED");
  });
});
