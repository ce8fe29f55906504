import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { network } from "hardhat";
import type { JsonRpcServer, NetworkConnection } from "hardhat/types/network";

import { setUpRepresentation } from "../../helpers/representationFixture.js";
import { rawGet, rawHttpClient, sleep, type RawHttpClient } from "../../helpers/rawHttpClient.js";

// The gateway run alone (main.ts) takes its HTTP limits from its flags: the same slow-client
// and connection-flood attacks as serveHttp's own tests, against the real process.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const MAIN = path.join(ROOT, "offchain/representation/main.ts");

describe("offchain/representation: the gateway process's HTTP limits", function () {
  this.timeout(120_000);
  let server: JsonRpcServer | undefined;
  let connection: NetworkConnection | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  const clients: RawHttpClient[] = [];
  let port = 0;

  before(async () => {
    server = await network.createServer(undefined, "127.0.0.1");
    const chain = await server.listen();
    const chainUrl = `http://127.0.0.1:${chain.port}`;
    connection = await network.create({ network: "localhost", override: { url: chainUrl } });
    const fx = await setUpRepresentation(connection);
    const work = await mkdtemp(path.join(tmpdir(), "dataledger-limits-"));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GATEWAY_PRIVATE_KEY: fx.gatewaySigner.privateKey,
    };
    delete env.DATABASE_URL;
    child = spawn(
      process.execPath,
      [
        ...["--import", "tsx", MAIN],
        ...["--rpc-url", chainUrl, "--ledger", fx.ledgerAddress, "--port", "0"],
        ...["--data-dir", path.join(work, "pglite"), "--blob-dir", fx.blobDir],
        ...["--header-timeout-ms", "500", "--request-timeout-ms", "1000"],
        ...["--max-connections", "2"],
      ],
      { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    exited = new Promise((resolve) => child!.once("exit", (code) => resolve(code)));
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const listening = await new Promise<{ url: string }>((resolve, reject) => {
      let out = "";
      child!.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split("\n").find((l) => l.includes('"event":"listening"'));
        if (line) resolve(JSON.parse(line));
      });
      void exited!.then((code) => reject(new Error(`gateway exited (${code}): ${stderr}`)));
      setTimeout(() => reject(new Error(`gateway did not listen: ${stderr}`)), 60_000).unref();
    });
    port = Number(new URL(listening.url).port);
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.socket.destroy();
  });

  after(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await connection?.close();
    await server?.close();
  });

  const client = () => {
    const c = rawHttpClient(port);
    clients.push(c);
    return c;
  };

  it("answers 408 and closes a connection whose headers come slower than --header-timeout-ms", async () => {
    const slow = client();
    const sent = await slow.trickle(
      `GET /health HTTP/1.1\r\nHost: test\r\nX-Slow: ${"a".repeat(60)}\r\n\r\n`,
      40,
    );
    const closedAfterMs = await slow.closed;
    console.log(
      `      gateway, slow headers: cut off after ${closedAfterMs} ms, ${sent} bytes sent`,
    );
    expect(closedAfterMs).to.be.at.least(500).and.below(2_000);
    expect(slow.received()).to.match(/^HTTP\/1\.1 408 /);
  });

  it("cuts off a slow POST body at --request-timeout-ms", async () => {
    const slow = client();
    await slow.connected;
    slow.socket.write(
      "POST /v1/records HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" +
        "Content-Length: 5000\r\n\r\n{",
    );
    const sent = await slow.trickle(" ".repeat(4_999), 30);
    const closedAfterMs = await slow.closed;
    console.log(
      `      gateway, slow body: cut off after ${closedAfterMs} ms, ${sent} body bytes sent`,
    );
    expect(closedAfterMs).to.be.at.least(1_000).and.below(3_000);
    expect(slow.received()).to.satisfy((t: string) => t === "" || /^HTTP\/1\.1 408 /.test(t));
  });

  it("closes connections beyond --max-connections and keeps serving the open ones", async () => {
    const first = client();
    const second = client();
    await first.request(rawGet("/health"), 1);
    await second.request(rawGet("/health"), 1);
    const extra = client();
    const closedAfterMs = await extra.closedWithin(2_000);
    console.log(`      gateway, third connection of 2 allowed: closed after ${closedAfterMs} ms`);
    expect(closedAfterMs).to.be.within(0, 1_000);
    expect(extra.received()).to.equal("");
    await first.request(rawGet("/health"), 2);
    await second.request(rawGet("/health"), 2);
    for (const c of [first, second]) {
      expect(c.received()).to.match(/^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 200 /);
    }
  });

  it("still shuts down cleanly on SIGTERM", async () => {
    const idle = client();
    await idle.request(rawGet("/health"), 1); // a kept-alive connection must not hold it up
    await sleep(10);
    child!.kill("SIGTERM");
    expect(await exited).to.equal(0);
  });
});
