import { expect } from "chai";
import { JsonRpcProvider, Network } from "ethers";

import {
  broadcastRefusal,
  ledgerRevert,
} from "../../../offchain/representation/anchoring/nodeErrors.js";
import { DataLedger__factory } from "../../../types/ethers-contracts/index.js";

const ledger = DataLedger__factory.createInterface();
const ZERO32 = `0x${"00".repeat(32)}`;
const LEDGER = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

// The errors ethers itself makes of a node's JSON-RPC error answers (what the submitter's
// provider throws), never hand-shaped objects: a change in ethers' wrapping shows here.
const provider = new JsonRpcProvider("http://127.0.0.1:1", Network.from(31337), {
  staticNetwork: true,
});

function nodeError(method: string, error: { code: number; message: string; data?: string }) {
  return provider.getRpcError(
    {
      method,
      params: [method === "eth_sendRawTransaction" ? "0x02" : { to: LEDGER }],
      id: 1,
      jsonrpc: "2.0",
    },
    { id: 1, error },
  );
}

const estimateReverted = (data: string) =>
  nodeError("eth_estimateGas", { code: 3, message: "execution reverted", data });
const broadcastRefused = (message: string) =>
  nodeError("eth_sendRawTransaction", { code: -32000, message });

describe("offchain/representation: node errors at P2R (nodeErrors)", () => {
  after(() => provider.destroy());

  describe("ledgerRevert (estimateGas)", () => {
    it("names a revert no retry can cure as permanent, decoded from the node's error data", () => {
      const data = ledger.encodeErrorResult("DataRegistryDataHashHeld", [ZERO32, ZERO32]);
      expect(ledgerRevert(estimateReverted(data), ledger)).to.deep.equal({
        name: "DataRegistryDataHashHeld",
        permanent: true,
      });
      const inactive = ledger.encodeErrorResult("SourceRegistryInactiveSource", [LEDGER]);
      expect(ledgerRevert(estimateReverted(inactive), ledger)).to.deep.equal({
        name: "SourceRegistryInactiveSource",
        permanent: true,
      });
    });

    it("keeps a duplicate or a pause retryable: the ledger's state decides, not the revert", () => {
      for (const [name, args] of [
        ["DataRegistryDuplicateDataBlock", [ZERO32]],
        ["DataRegistryDuplicateRecord", [ZERO32, 1]],
        ["EnforcedPause", []],
      ] as const) {
        const data = ledger.encodeErrorResult(name, args);
        expect(ledgerRevert(estimateReverted(data), ledger), name).to.deep.equal({
          name,
          permanent: false,
        });
      }
    });

    it("reads the name ethers already decoded on a contract error (error.revert)", () => {
      const data = ledger.encodeErrorResult("DataRegistryInvalidSignature", [LEDGER]);
      const error = ledger.makeError(data, { to: LEDGER, data: "0x" });
      expect(error.code).to.equal("CALL_EXCEPTION");
      expect(ledgerRevert(error, ledger)).to.deep.equal({
        name: "DataRegistryInvalidSignature",
        permanent: true,
      });
    });

    it("a revert without data the ledger's ABI decodes has no name and is not permanent", () => {
      for (const data of ["0x", "0xdeadbeef", `0xdeadbeef${"00".repeat(32)}`]) {
        expect(ledgerRevert(estimateReverted(data), ledger), data).to.deep.equal({
          name: undefined,
          permanent: false,
        });
      }
    });

    it("is undefined when the call did not revert (insufficient funds, nonce, RPC trouble)", () => {
      expect(
        ledgerRevert(
          nodeError("eth_estimateGas", { code: -32000, message: "insufficient funds for gas" }),
          ledger,
        ),
      ).to.equal(undefined);
      expect(
        ledgerRevert(
          nodeError("eth_estimateGas", { code: -32000, message: "nonce too low" }),
          ledger,
        ),
      ).to.equal(undefined);
      expect(ledgerRevert(new Error("connect ECONNREFUSED 127.0.0.1:8545"), ledger)).to.equal(
        undefined,
      );
    });
  });

  describe("broadcastRefusal (eth_sendRawTransaction)", () => {
    it('"underpriced" when the node wants higher fees for the nonce', () => {
      for (const message of ["replacement transaction underpriced", "transaction underpriced"]) {
        expect(broadcastRefusal(broadcastRefused(message)), message).to.equal("underpriced");
      }
    });

    it('"known" when the node holds the transaction already or its nonce is spent', () => {
      for (const message of [
        "already known",
        "Known transaction: 0x1234",
        "nonce too low",
        "Nonce too low. Expected nonce to be 5 but got 4.",
      ]) {
        expect(broadcastRefusal(broadcastRefused(message)), message).to.equal("known");
      }
    });

    it("undefined for anything else, which the loop retries", () => {
      for (const message of ["insufficient funds for gas * price + value", "execution reverted"]) {
        expect(broadcastRefusal(broadcastRefused(message)), message).to.equal(undefined);
      }
      expect(broadcastRefusal(new Error("connect ECONNREFUSED 127.0.0.1:8545"))).to.equal(
        undefined,
      );
    });
  });
});
