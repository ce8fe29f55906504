import { expect } from "chai";
import { network } from "hardhat";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { expectApiPages } from "../../helpers/expectApiPages.js";
import {
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";

const connection = await network.create();

describe("offchain/representation: landing page, API docs and probes", function () {
  this.timeout(120_000);
  let fx: RepresentationFixture;
  // What the gateway's chain node does when asked for its block number.
  let chain: "up" | "down" | "hung" = "up";

  before(async () => {
    fx = await setUpRepresentation(connection);
  });

  for (const target of databaseTargets()) {
    describe(`on ${target.name}`, () => {
      let gateway: Gateway;

      before(async () => {
        // The fixture's provider, except that getBlockNumber can be made to fail or hang.
        const provider = new Proxy(fx.provider, {
          get(real, key) {
            if (key === "getBlockNumber" && chain === "down") {
              return () => Promise.reject(new Error("connect ECONNREFUSED 10.1.2.3:8545"));
            }
            if (key === "getBlockNumber" && chain === "hung") return () => new Promise(() => {});
            const value = Reflect.get(real, key);
            return typeof value === "function" ? value.bind(real) : value;
          },
        });
        gateway = await createGateway({
          ledgerAddress: fx.ledgerAddress,
          provider,
          signer: fx.gatewaySigner,
          database: await target.open(),
          blobStore: fx.blobStore,
          startLoops: false,
        });
      });
      afterEach(() => {
        chain = "up";
      });
      after(async () => {
        await gateway.close();
        await gateway.db.close();
      });

      it("serves /, /docs from its own files, /health, and documents the probes", async () => {
        await expectApiPages(gateway.app, "DataLedger representation gateway", [
          "/v1/records",
          "/v1/records/bulk",
          "/v1/records/{recordId}",
        ]);
        expect(await (await gateway.app.request("/")).text()).to.contain(
          "R2D API: devices submit signed records",
        );
      });

      it("is ready when its database and chain answer and the deployment matches", async () => {
        const res = await gateway.app.request("/ready");
        expect(res.status).to.equal(200);
        expect(await readJson(res)).to.deep.equal({
          status: "ready",
          checks: { database: { ok: true }, chain: { ok: true }, deployment: { ok: true } },
        });
      });

      it("is not ready, with CHAIN_UNAVAILABLE, when the chain node refuses", async () => {
        chain = "down";
        const res = await gateway.app.request("/ready");
        expect(res.status).to.equal(503);
        const body = await readJson(res);
        expect(body.checks.database).to.deep.equal({ ok: true });
        expect(body.checks.chain).to.include({ ok: false, code: "CHAIN_UNAVAILABLE" });
        expect(JSON.stringify(body)).to.not.contain("10.1.2.3");
      });

      it("answers /ready within the time limit when the chain node hangs", async () => {
        chain = "hung";
        const started = Date.now();
        const res = await gateway.app.request("/ready");
        expect(Date.now() - started).to.be.below(3_000);
        expect(res.status).to.equal(503);
        expect((await readJson(res)).checks.chain).to.include({ ok: false, code: "CHECK_TIMEOUT" });
        // Liveness does not depend on the chain.
        expect((await gateway.app.request("/health")).status).to.equal(200);
      });

      it("keeps its error shape for a missing asset and other unknown routes", async () => {
        for (const url of ["/docs/assets/0.0.0/swagger-ui.css", "/favicon.ico"]) {
          const res = await gateway.app.request(url);
          expect(res.status, url).to.equal(404);
          expect((await readJson(res)).error.code, url).to.equal("NOT_FOUND");
        }
      });
    });
  }
});
