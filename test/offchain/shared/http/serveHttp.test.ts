import type net from "node:net";

import { expect } from "chai";
import { Hono } from "hono";

import {
  DEFAULT_HTTP_LIMITS,
  serveHttp,
  type HttpListener,
  type ServeHttpOptions,
} from "../../../../offchain/shared/http/serveHttp.js";
import { expectCode } from "../../../helpers/expectCode.js";
import {
  countResponses as responses,
  rawGet,
  rawHttpClient,
  sleep,
} from "../../../helpers/rawHttpClient.js";

// Real sockets on loopback, with limits of a few hundred ms so that each attack is cut off well
// within the test's own time limit; every raw client stops by itself after at most 5 s.
const HOST = "127.0.0.1";
const get = rawGet();

/** Errors the app met: a request cut off mid-body fails its handler's body read. */
const appErrors: unknown[] = [];

function app() {
  const hono = new Hono();
  hono.onError((error, c) => {
    appErrors.push(error);
    return c.text("failed", 500);
  });
  hono.get("/", (c) => c.text("ok"));
  hono.get("/slow-answer", async (c) => {
    await sleep(1_200);
    return c.text("late");
  });
  hono.post("/echo", async (c) => c.text(`got ${(await c.req.text()).length}`));
  return hono;
}

describe("offchain/shared/http: serveHttp", function () {
  this.timeout(15_000);
  const listeners: HttpListener[] = [];
  const start = async (limits: Partial<ServeHttpOptions> = {}) => {
    const listener = await serveHttp({ fetch: app().fetch, hostname: HOST, port: 0, ...limits });
    listeners.push(listener);
    return listener;
  };
  const sockets: net.Socket[] = [];
  const client = (port: number) => {
    const c = rawHttpClient(port, HOST);
    sockets.push(c.socket);
    return c;
  };
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(listeners.splice(0).map((l) => l.close()));
  });

  it("applies the documented defaults", async () => {
    const { server, limits, url, port } = await start();
    expect(limits).to.deep.equal({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_024,
      maxRequestsPerSocket: 0,
    });
    expect(limits).to.deep.equal(DEFAULT_HTTP_LIMITS);
    expect(server.headersTimeout).to.equal(10_000);
    expect(server.requestTimeout).to.equal(30_000);
    expect(server.keepAliveTimeout).to.equal(5_000);
    expect(server.maxConnections).to.equal(1_024);
    expect(server.maxRequestsPerSocket).to.equal(0);
    expect(url).to.equal(`http://${HOST}:${port}`);
    expect(await (await fetch(url)).text()).to.equal("ok");
  });

  it("names the host as given in its URL, with the port it bound", async () => {
    const listener = await serveHttp({ fetch: app().fetch, hostname: "localhost", port: 0 });
    listeners.push(listener);
    expect(listener.port).to.be.above(0);
    expect(listener.url).to.equal(`http://localhost:${listener.port}`);
    expect(await (await fetch(listener.url)).text()).to.equal("ok");
  });

  it("cuts off a client that sends its headers byte by byte past the header timeout", async () => {
    const { port } = await start({ headersTimeoutMs: 400, requestTimeoutMs: 2_000 });
    const slow = client(port);
    await slow.connected;
    // One byte every 40 ms: the headers alone would take over 2 s.
    const headers = `GET / HTTP/1.1\r\nHost: test\r\nX-Slow: ${"a".repeat(50)}\r\n\r\n`;
    const sent = await slow.trickle(headers, 40);
    const closedAfterMs = await slow.closed;
    console.log(`      slow headers: cut off after ${closedAfterMs} ms, ${sent} bytes sent`);
    expect(sent).to.be.below(headers.length);
    expect(closedAfterMs).to.be.at.least(400).and.below(1_500);
    expect(slow.received()).to.match(/^HTTP\/1\.1 408 /);
  });

  it("cuts off a slow body past the request timeout while serving other connections", async () => {
    const { port, url } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 900 });
    const slow = client(port);
    await slow.connected;
    slow.socket.write(
      "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n",
    );
    const trickling = slow.trickle("x".repeat(1_000), 30);
    await sleep(300);
    const servedAt = Date.now();
    const normal = await fetch(`${url}/echo`, { method: "POST", body: "hello" });
    const normalMs = Date.now() - servedAt;
    expect(normal.status).to.equal(200);
    expect(await normal.text()).to.equal("got 5");
    expect(slow.isOpen(), "the slow request is still open while the other one is served").to.equal(
      true,
    );
    const sent = await trickling;
    const closedAfterMs = await slow.closed;
    console.log(
      `      slow body: cut off after ${closedAfterMs} ms (${sent} of 1000 body bytes); ` +
        `a normal request meanwhile took ${normalMs} ms`,
    );
    expect(sent).to.be.below(1_000);
    expect(closedAfterMs).to.be.at.least(900).and.below(2_500);
    // Node answers 408 when it can; a socket closed without an answer is cut off too.
    expect(slow.received()).to.satisfy(
      (text: string) => text === "" || /^HTTP\/1\.1 408 /.test(text),
    );
    // The handler waiting for the body is not left hanging: its read fails.
    await sleep(50);
    expect(appErrors.map((e) => (e as { code?: string }).code)).to.include("ECONNRESET");
  });

  it("does not count the app's own time against the request timeout", async () => {
    const { url } = await start({ headersTimeoutMs: 300, requestTimeoutMs: 900 });
    const res = await fetch(`${url}/slow-answer`);
    expect(res.status).to.equal(200);
    expect(await res.text()).to.equal("late");
  });

  it("closes connections beyond maxConnections while the open ones keep working", async () => {
    const { port } = await start({ maxConnections: 2 });
    const first = client(port);
    const second = client(port);
    await first.request(get, 1);
    await second.request(get, 1);
    expect(responses(first.received()) + responses(second.received())).to.equal(2);

    const extra = client(port);
    const closedAfterMs = await extra.closedWithin(2_000);
    console.log(`      third connection of 2 allowed: closed after ${closedAfterMs} ms`);
    expect(closedAfterMs, "the extra connection was closed").to.be.within(0, 1_000);
    expect(extra.received()).to.equal("");

    await first.request(get, 2);
    await second.request(get, 2);
    expect(first.received()).to.match(/HTTP\/1\.1 200[\s\S]*HTTP\/1\.1 200/);
    expect(second.received()).to.match(/HTTP\/1\.1 200[\s\S]*HTTP\/1\.1 200/);

    // Once a slot is free, a new connection is served again.
    first.socket.destroy();
    await first.closed;
    await sleep(50);
    const later = client(port);
    await later.request(get, 1);
    expect(later.received()).to.match(/^HTTP\/1\.1 200 /);
  });

  it("tells a kept-alive client to reconnect after maxRequestsPerSocket requests", async () => {
    const { port } = await start({ maxRequestsPerSocket: 2 });
    const c = client(port);
    await c.request(get, 1);
    expect(c.received().toLowerCase()).to.not.match(/connection: close/);
    await c.request(get, 2);
    expect(c.received().toLowerCase()).to.match(/connection: close/);
    // A client that ignores the hint is not served on that connection any more.
    await c.request(get, 3);
    console.log(
      `      request past maxRequestsPerSocket: ${c.received().match(/HTTP\/1\.1 \d{3}/g)}`,
    );
    expect(c.received()).to.match(/HTTP\/1\.1 503 /);
  });

  it("refuses bad limits and a port in use with stable codes", async () => {
    const options = { fetch: app().fetch, hostname: HOST, port: 0 };
    await expectCode(serveHttp({ ...options, maxConnections: 0 }), "HTTP_LIMITS_INVALID");
    await expectCode(serveHttp({ ...options, headersTimeoutMs: 1.5 }), "HTTP_LIMITS_INVALID");
    await expectCode(
      serveHttp({ ...options, headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 }),
      "HTTP_LIMITS_INVALID",
    );
    const { port } = await start();
    await expectCode(serveHttp({ ...options, port }), "HTTP_LISTEN_FAILED");
  });

  it("close() stops accepting and resolves, also when called twice", async () => {
    const listener = await serveHttp({ fetch: app().fetch, hostname: HOST, port: 0 });
    const c = client(listener.port);
    await c.request(get, 1); // a kept-alive idle connection must not hold close() up
    await Promise.all([listener.close(), listener.close()]);
    const refused = client(listener.port);
    expect(await refused.closed).to.be.below(1_000);
    expect(refused.received()).to.equal("");
  });
});
