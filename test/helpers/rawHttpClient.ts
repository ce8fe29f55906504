import net from "node:net";

/** The longest any raw client keeps sending or waiting, so every attack test stops by itself. */
export const RAW_CLIENT_MAX_MS = 5_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many HTTP/1.1 responses (status lines) `text` holds. */
export const countResponses = (text: string) => text.match(/HTTP\/1\.1 \d{3}/g)?.length ?? 0;

/** One GET on a kept-alive connection. */
export const rawGet = (path = "/") => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;

export type RawHttpClient = ReturnType<typeof rawHttpClient>;

/**
 * A client on a raw TCP socket, for attacks a `fetch` cannot make (headers sent byte by byte,
 * a body that never ends). Records what the server sent back, and when (ms after the connection
 * was opened) the server closed it.
 *
 * @example
 * const slow = rawHttpClient(port);
 * await slow.trickle("GET / HTTP/1.1\r\n", 40);
 * console.log(await slow.closed, slow.received());
 */
export function rawHttpClient(port: number, host = "127.0.0.1") {
  const socket = net.connect(port, host);
  const opened = Date.now();
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => (received += chunk));
  socket.on("error", () => {}); // a reset is one of the ways of being cut off
  const closed = new Promise<number>((resolve) =>
    socket.once("close", () => resolve(Date.now() - opened)),
  );
  const connected = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const isOpen = () => !socket.destroyed && socket.readyState === "open";
  return {
    socket,
    connected,
    /** Resolves with the ms from opening to the server (or anything) closing the connection. */
    closed,
    received: () => received,
    isOpen,
    /** Writes `text` one byte every `everyMs` until done or cut off; resolves with bytes sent. */
    async trickle(text: string, everyMs: number): Promise<number> {
      await connected;
      let sent = 0;
      for (const byte of text) {
        if (!isOpen() || Date.now() - opened > RAW_CLIENT_MAX_MS) break;
        socket.write(byte);
        sent++;
        await sleep(everyMs);
      }
      return sent;
    },
    /** Sends `raw` and waits until `count` responses in all have arrived on this connection. */
    async request(raw: string, count: number): Promise<void> {
      await connected;
      socket.write(raw);
      const until = Date.now() + RAW_CLIENT_MAX_MS;
      while (countResponses(received) < count && isOpen() && Date.now() < until) await sleep(10);
    },
    /** Resolves with `closed`'s ms, or -1 if the connection is still open after `ms`. */
    closedWithin: (ms: number) => Promise.race([closed, sleep(ms).then(() => -1)]),
  };
}
