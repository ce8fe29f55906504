import { expect } from "chai";

import { readGatewayConfig } from "../../../offchain/representation/readGatewayConfig.js";
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
});
