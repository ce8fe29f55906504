import { OpenAPIHono } from "@hono/zod-openapi";
import { expect } from "chai";

import { BaseError } from "../../../../offchain/shared/BaseError.js";
import { chainCheck } from "../../../../offchain/shared/http/chainCheck.js";
import { databaseCheck } from "../../../../offchain/shared/http/databaseCheck.js";
import { registerHealthRoutes } from "../../../../offchain/shared/http/registerHealthRoutes.js";
import type { ReadinessChecks } from "../../../../offchain/shared/http/createReadinessProbe.js";
import { readJson } from "../../../helpers/representationFixture.js";

function appWith(readiness: ReadinessChecks, timeoutMs?: number) {
  const app = new OpenAPIHono();
  registerHealthRoutes(app, { readiness, timeoutMs });
  app.doc("/openapi.json", { openapi: "3.0.3", info: { title: "t", version: "1" } });
  return app;
}

const down = (code: string) => async () => {
  throw new BaseError(code, `${code} for the test`);
};

describe("offchain/shared/http: registerHealthRoutes", () => {
  it("answers /health 200 {status: ok} without running any check", async () => {
    let ran = false;
    const app = appWith({
      chain: async () => {
        ran = true;
        throw new Error("must not run");
      },
    });
    const res = await app.request("/health");
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^application\/json/);
    expect(res.headers.get("cache-control")).to.equal("no-store");
    expect(await readJson(res)).to.deep.equal({ status: "ok" });
    expect(ran).to.equal(false);
  });

  it("answers /ready 200 with each check when all pass", async () => {
    const res = await appWith({ database: async () => {}, chain: async () => {} }).request(
      "/ready",
    );
    expect(res.status).to.equal(200);
    expect(res.headers.get("cache-control")).to.equal("no-store");
    expect(await readJson(res)).to.deep.equal({
      status: "ready",
      checks: { database: { ok: true }, chain: { ok: true } },
    });
  });

  it("answers /ready 503 naming the failing check's code", async () => {
    const res = await appWith({
      database: async () => {},
      chain: down("CHAIN_UNAVAILABLE"),
    }).request("/ready");
    expect(res.status).to.equal(503);
    const body = await readJson(res);
    expect(body.status).to.equal("not_ready");
    expect(body.checks.database).to.deep.equal({ ok: true });
    expect(body.checks.chain).to.include({ ok: false, code: "CHAIN_UNAVAILABLE" });
  });

  it("answers /ready 503 soon after the time limit when a check hangs", async () => {
    const app = appWith({ database: async () => {}, chain: () => new Promise(() => {}) }, 150);
    const started = Date.now();
    const res = await app.request("/ready");
    expect(Date.now() - started).to.be.below(1_000);
    expect(res.status).to.equal(503);
    expect((await readJson(res)).checks.chain).to.include({ ok: false, code: "CHECK_TIMEOUT" });
  });

  it("maps a failing database and chain to DATABASE_UNAVAILABLE and CHAIN_UNAVAILABLE", async () => {
    const refused = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
    const app = appWith({
      database: databaseCheck({ query: refused }),
      chain: chainCheck({ getBlockNumber: refused }),
    });
    const body = await readJson(await app.request("/ready"));
    expect(body.checks.database).to.include({ ok: false, code: "DATABASE_UNAVAILABLE" });
    expect(body.checks.chain).to.include({ ok: false, code: "CHAIN_UNAVAILABLE" });
    expect(JSON.stringify(body), "the cause's address stays out").to.not.contain("ECONNREFUSED");
  });

  it("documents /health and /ready in the OpenAPI document", async () => {
    const doc = await readJson(await appWith({}).request("/openapi.json"));
    expect(doc.paths["/health"].get.responses).to.have.keys("200");
    expect(doc.paths["/ready"].get.responses).to.have.keys("200", "503");
  });
});
