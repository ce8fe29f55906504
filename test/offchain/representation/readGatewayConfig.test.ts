import { expect } from "chai";

import {
  GATEWAY_USAGE,
  readGatewayConfig,
} from "../../../offchain/representation/readGatewayConfig.js";
import { DEFAULT_HTTP_LIMITS } from "../../../offchain/shared/http/serveHttp.js";
import { expectCode } from "../../helpers/expectCode.js";

const KEY = `0x${"11".repeat(32)}`;
const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const env = { RPC_URL: "http://127.0.0.1:8545", LEDGER_ADDRESS: LEDGER, GATEWAY_PRIVATE_KEY: KEY };

describe("offchain/representation: gateway process configuration", () => {
  it("reads the environment, lets a flag win over it, and fills the defaults", () => {
    const config = readGatewayConfig(["--rpc-url", "http://node:8545", "--port", "0"], env)!;
    expect(config.rpcUrl).to.equal("http://node:8545");
    expect(config.ledgerAddress).to.equal(LEDGER);
    expect(config.privateKey).to.equal(KEY);
    expect(config.port).to.equal(0);
    expect(config.host).to.equal("127.0.0.1");
    expect(config.dataDir).to.equal("data/gateway");
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.chainId).to.equal(undefined);
    expect(readGatewayConfig(["--help"], {})).to.equal(undefined);
  });

  it("refuses missing and invalid settings with stable codes, never echoing the key", async () => {
    await expectCode(() => readGatewayConfig([], { ...env, RPC_URL: "" }), "CONFIG_MISSING");
    await expectCode(
      () => readGatewayConfig([], { ...env, LEDGER_ADDRESS: undefined }),
      "CONFIG_MISSING",
    );
    await expectCode(
      () => readGatewayConfig([], { ...env, GATEWAY_PRIVATE_KEY: undefined }),
      "CONFIG_MISSING",
    );
    await expectCode(() => readGatewayConfig(["--ledger", "0x1234"], env), "CONFIG_INVALID");
    await expectCode(() => readGatewayConfig(["--rpc-url", "ws://x"], env), "CONFIG_INVALID");
    await expectCode(() => readGatewayConfig(["--port", "70000"], env), "CONFIG_INVALID");
    await expectCode(() => readGatewayConfig(["--max-block-size", "0"], env), "CONFIG_INVALID");
    await expectCode(() => readGatewayConfig(["--bogus"], env), "CONFIG_INVALID");
    await expectCode(() => readGatewayConfig(["--private-key", KEY], env), "CONFIG_INVALID");
    try {
      readGatewayConfig([], { ...env, GATEWAY_PRIVATE_KEY: "0xnothex" });
      expect.fail("accepted a bad key");
    } catch (error) {
      expect((error as { code: string }).code).to.equal("CONFIG_INVALID");
      expect(JSON.stringify(error) + String(error)).to.not.include("nothex");
    }
  });

  it("reads the HTTP limits, defaulting to what the usage text says", () => {
    const defaults = readGatewayConfig([], env)!.http;
    expect(defaults).to.deep.equal(DEFAULT_HTTP_LIMITS);
    // The "(default n)" of each flag's entry, which may run on to a second line.
    const documented = (flag: string) =>
      Number(
        GATEWAY_USAGE.match(
          new RegExp(`--${flag} <n>(?:(?!\\n  --)[\\s\\S])*?\\(default (\\d+)\\)`),
        )?.[1],
      );
    expect({
      headersTimeoutMs: documented("header-timeout-ms"),
      requestTimeoutMs: documented("request-timeout-ms"),
      keepAliveTimeoutMs: documented("keep-alive-timeout-ms"),
      maxConnections: documented("max-connections"),
      maxRequestsPerSocket: documented("max-requests-per-socket"),
    }).to.deep.equal(defaults);

    const set = readGatewayConfig(
      [
        ...["--header-timeout-ms", "2000", "--request-timeout-ms", "5000"],
        ...["--keep-alive-timeout-ms", "1000", "--max-connections", "64"],
        ...["--max-requests-per-socket", "100"],
      ],
      env,
    )!.http;
    expect(set).to.deep.equal({
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 5_000,
      keepAliveTimeoutMs: 1_000,
      maxConnections: 64,
      maxRequestsPerSocket: 100,
    });
  });

  it("refuses HTTP limits that would not protect the gateway", async () => {
    for (const argv of [
      ["--max-connections", "0"],
      ["--max-connections=-1"],
      ["--header-timeout-ms", "0"],
      ["--request-timeout-ms", "10"],
      ["--request-timeout-ms", "1e3"],
      ["--keep-alive-timeout-ms", "0"],
      ["--max-requests-per-socket", "x"],
      // A header timeout the request timeout would cut short first.
      ["--header-timeout-ms", "20000", "--request-timeout-ms", "10000"],
    ]) {
      const error = await expectCode(() => readGatewayConfig(argv, env), "CONFIG_INVALID");
      expect(error.details?.setting, argv.join(" ")).to.equal(argv[0].slice(2).split("=")[0]);
    }
  });
});
