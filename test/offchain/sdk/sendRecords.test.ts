import { expect } from "chai";
import { network } from "hardhat";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import {
  getRecordStatus,
  sendRecord,
  sendRecords,
  verifyReceipt,
} from "../../../offchain/sdk/index.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { expectCode } from "../../helpers/expectCode.js";
import {
  makeSubmission,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();
const GATEWAY = "http://gateway.test";

describe("offchain/sdk: sending records to the gateway (R2D client)", function () {
  this.timeout(60_000);
  let fx: RepresentationFixture;
  let gateway: Gateway;
  // The SDK talks HTTP; route its fetch into the Hono app without opening a port.
  const viaApp: typeof fetch = async (input, init) =>
    gateway.app.request(String(input).replace(GATEWAY, ""), init);

  before(async () => {
    fx = await setUpRepresentation(connection);
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      blobStore: fx.blobStore,
      database: await openDatabase({ url: "" }),
      batch: { maxBlockSize: 4, maxWaitMs: 100 },
      pollMs: 50,
    });
  });
  after(async () => {
    await gateway?.close();
    await gateway?.db.close();
  });

  it("sends one record, repeats it safely, and reads back a receipt that verifies on-chain", async () => {
    const submission = await makeSubmission(fx, { station: "sdk", pm25: 1 });
    const first = await sendRecord(GATEWAY, submission, { fetch: viaApp });
    expect(first.status).to.equal("accepted");
    const again = await sendRecord(GATEWAY, submission, { fetch: viaApp });
    expect(again.recordId).to.equal(first.recordId);

    let state = await getRecordStatus(GATEWAY, first.recordId, { fetch: viaApp });
    for (let i = 0; i < 200 && state.status !== "anchored"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = await getRecordStatus(GATEWAY, first.recordId, { fetch: viaApp });
    }
    expect(state.status).to.equal("anchored");
    const result = await verifyReceipt({
      payload: submission.payload,
      receipt: state.receipt!,
      publicClient: (await import("viem")).createPublicClient({
        transport: (await import("viem")).custom(connection.provider),
      }),
      ledgerAddress: fx.ledgerAddress,
    });
    expect(result.verified).to.equal(true);
  });

  it("gives each bulk item its own verdict", async () => {
    const good = await makeSubmission(fx, { station: "sdk", pm25: 2 });
    const bad = await makeSubmission(fx, { station: "sdk", pm25: -1 }); // schema: minimum 0
    const verdicts = await sendRecords(GATEWAY, [good, bad], { fetch: viaApp });
    expect(verdicts[0].status).to.equal("accepted");
    expect(verdicts[1].error?.code).to.equal("SCHEMA_VIOLATION");
  });

  it("throws the gateway's stable code for a rejection and does not retry it", async () => {
    let calls = 0;
    const counting: typeof fetch = async (input, init) => {
      calls++;
      return viaApp(input, init);
    };
    const submission = await makeSubmission(fx, { station: "sdk", pm25: 3 });
    await expectCode(
      sendRecord(
        GATEWAY,
        { ...submission, payload: { station: "sdk", pm25: 4 } },
        { fetch: counting },
      ),
      "DATA_HASH_MISMATCH",
    );
    expect(calls).to.equal(1);
  });

  it("retries network failures and 5xx, then reports GATEWAY_UNAVAILABLE", async () => {
    let calls = 0;
    const down: typeof fetch = async () => {
      calls++;
      if (calls % 2) throw new TypeError("fetch failed");
      return new Response(
        JSON.stringify({ error: { code: "CHAIN_UNAVAILABLE", message: "down", details: {} } }),
        {
          status: 503,
        },
      );
    };
    const submission = await makeSubmission(fx, { station: "sdk", pm25: 5 });
    await expectCode(
      sendRecord(GATEWAY, submission, { fetch: down, attempts: 4, backoffMs: 1 }),
      "GATEWAY_UNAVAILABLE",
    );
    expect(calls).to.equal(4);

    let flaky = 0;
    const recovers: typeof fetch = async (input, init) =>
      ++flaky < 3 ? Promise.reject(new TypeError("reset")) : viaApp(input, init);
    expect(
      (await sendRecord(GATEWAY, submission, { fetch: recovers, backoffMs: 1 })).status,
    ).to.equal("accepted");
  });
});
