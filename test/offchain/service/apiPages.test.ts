import { expect } from "chai";
import type { Provider } from "ethers";

import { BaseError } from "../../../offchain/shared/BaseError.js";
import { createServiceApp, type ServiceDeps } from "../../../offchain/service/createServiceApp.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { expectApiPages } from "../../helpers/expectApiPages.js";
import { readJson } from "../../helpers/representationFixture.js";
import {
  createServiceHarness,
  SIWE_DOMAIN,
  SIWE_URI,
  type ServiceHarness,
} from "./serviceHarness.js";

for (const target of databaseTargets()) {
  describe(`offchain/service: landing page, API docs and probes (${target.name})`, function () {
    this.timeout(120_000);
    let h: ServiceHarness;

    before(async () => {
      h = await createServiceHarness(target.open);
    });
    after(async () => {
      await h.close();
    });

    /** The harness's service with some dependencies swapped. */
    const serviceWith = (overrides: Partial<ServiceDeps>) =>
      createServiceApp({
        db: h.db,
        m2s: h.m2s,
        blobs: h.blobs,
        provider: h.provider,
        ledgerAddress: h.ledgerAddress,
        accessAddress: h.accessAddress,
        siwe: { domain: SIWE_DOMAIN, uri: SIWE_URI, chainId: h.chainId },
        ...overrides,
      });

    it("serves /, /docs from its own files, /health, and documents the probes", async () => {
      await expectApiPages(h.app, "DataLedger service", [
        "/v1/auth/nonce",
        "/v1/auth/verify",
        "/v1/records",
        "/v1/verify",
      ]);
      expect(await (await h.app.request("/")).text()).to.contain("U2S API: search, read, verify");
    });

    it("is ready when its database and chain answer and the deployment matches", async () => {
      const res = await h.app.request("/ready");
      expect(res.status).to.equal(200);
      expect(await readJson(res)).to.deep.equal({
        status: "ready",
        checks: { database: { ok: true }, chain: { ok: true }, deployment: { ok: true } },
      });
    });

    it("is not ready, with CHAIN_UNAVAILABLE, when the chain node refuses", async () => {
      const down = {
        getBlockNumber: () => Promise.reject(new Error("connect ECONNREFUSED 10.1.2.3:8545")),
      } as unknown as Provider;
      const res = await serviceWith({ provider: down }).request("/ready");
      expect(res.status).to.equal(503);
      const body = await readJson(res);
      expect(body.status).to.equal("not_ready");
      expect(body.checks.database).to.deep.equal({ ok: true });
      expect(body.checks.chain).to.include({ ok: false, code: "CHAIN_UNAVAILABLE" });
      expect(JSON.stringify(body)).to.not.contain("10.1.2.3");
    });

    it("is not ready, with DATABASE_UNAVAILABLE, when the database fails", async () => {
      const broken = new Proxy(h.db, {
        get: (db, key) =>
          key === "query"
            ? () => Promise.reject(new Error("terminating connection"))
            : Reflect.get(db, key),
      }) as Database;
      const body = await readJson(await serviceWith({ db: broken }).request("/ready"));
      expect(body.checks.database).to.include({ ok: false, code: "DATABASE_UNAVAILABLE" });
      expect(body.checks.chain).to.deep.equal({ ok: true });
    });

    it("runs the checks it is given instead, a hung one timed out within the 2 s limit", async () => {
      const app = serviceWith({
        readiness: {
          database: async () => {},
          deployment: async () => {
            throw new BaseError("DEPLOYMENT_MISMATCH", "Another ledger");
          },
          chain: () => new Promise(() => {}),
        },
      });
      const started = Date.now();
      const res = await app.request("/ready");
      expect(Date.now() - started).to.be.below(3_000);
      expect(res.status).to.equal(503);
      const { checks } = await readJson(res);
      expect(Object.keys(checks)).to.have.members(["database", "deployment", "chain"]);
      expect(checks.deployment).to.include({ ok: false, code: "DEPLOYMENT_MISMATCH" });
      expect(checks.chain).to.include({ ok: false, code: "CHECK_TIMEOUT" });
    });

    it("keeps its error shape for a missing asset and other unknown routes", async () => {
      for (const url of ["/docs/assets/0.0.0/swagger-ui.css", "/docs/nothing", "/favicon.ico"]) {
        const res = await h.app.request(url);
        expect(res.status, url).to.equal(404);
        expect((await readJson(res)).error.code, url).to.equal("NOT_FOUND");
      }
    });
  });
}
