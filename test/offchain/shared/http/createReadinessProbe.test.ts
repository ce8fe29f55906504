import { expect } from "chai";

import { BaseError } from "../../../../offchain/shared/BaseError.js";
import { createReadinessProbe } from "../../../../offchain/shared/http/createReadinessProbe.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const never = () => new Promise<void>(() => {});

describe("offchain/shared/http: createReadinessProbe", () => {
  it("is ready when every check passes", async () => {
    const probe = createReadinessProbe({ database: async () => {}, chain: async () => {} });
    expect(await probe()).to.deep.equal({
      ready: true,
      checks: { database: { ok: true }, chain: { ok: true } },
    });
  });

  it("reports a failing check's BaseError code and short message, and the others as ok", async () => {
    const probe = createReadinessProbe({
      database: async () => {},
      chain: async () => {
        throw new BaseError("CHAIN_UNAVAILABLE", "The chain node does not answer", {
          cause: new Error("connect ECONNREFUSED 10.0.0.7:8545"),
        });
      },
    });
    const report = await probe();
    expect(report.ready).to.equal(false);
    expect(report.checks).to.deep.equal({
      database: { ok: true },
      chain: { ok: false, code: "CHAIN_UNAVAILABLE", message: "The chain node does not answer" },
    });
  });

  it("does not pass a foreign error's message on (it may name internals), nor a sync throw", async () => {
    const errors = console.error;
    console.error = () => {};
    try {
      const probe = createReadinessProbe({
        rejects: () => Promise.reject(new Error("password authentication failed for user admin")),
        throws: () => {
          throw new Error("boom");
        },
      });
      const { checks } = await probe();
      for (const name of ["rejects", "throws"]) {
        expect(checks[name]).to.include({ ok: false, code: "CHECK_FAILED" });
        expect(JSON.stringify(checks[name])).to.not.match(/password|boom/);
      }
    } finally {
      console.error = errors;
    }
  });

  it("reports a hung check as CHECK_TIMEOUT after its time limit, without waiting for it", async () => {
    const probe = createReadinessProbe({ fast: async () => {}, hung: never }, { timeoutMs: 100 });
    const started = Date.now();
    const report = await probe();
    const took = Date.now() - started;
    expect(took).to.be.within(90, 1_000);
    expect(report.ready).to.equal(false);
    expect(report.checks.fast).to.deep.equal({ ok: true });
    expect(report.checks.hung).to.include({ ok: false, code: "CHECK_TIMEOUT" });
  });

  it("runs the checks in parallel: the answer takes the slowest check's time, not the sum", async () => {
    const slow = () => sleep(150);
    const probe = createReadinessProbe({ a: slow, b: slow, c: slow, d: slow });
    const started = Date.now();
    expect((await probe()).ready).to.equal(true);
    expect(Date.now() - started).to.be.below(500);
  });

  it("joins a check still running from an earlier probe instead of starting it again", async () => {
    let calls = 0;
    const probe = createReadinessProbe(
      {
        hung: () => {
          calls++;
          return never();
        },
      },
      { timeoutMs: 20 },
    );
    for (let i = 0; i < 5; i++) await probe();
    expect(calls).to.equal(1);

    let settled = 0;
    const flaky = createReadinessProbe({ once: async () => void settled++ });
    await flaky();
    await flaky();
    expect(settled, "a settled check runs again on the next probe").to.equal(2);
  });
});
