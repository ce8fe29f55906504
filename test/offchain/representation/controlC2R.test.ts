import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { createC2RClient } from "../../../offchain/control/c2r.js";
import { recordId } from "../../../offchain/sdk/recordId.js";
import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { GatewayControl } from "../../../offchain/representation/control/GatewayControl.js";
import { serveHttp } from "../../../offchain/shared/http/serveHttp.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { representationMigrations } from "../../../offchain/representation/outbox/migrations.js";
import { SubmissionQuotas } from "../../../offchain/representation/accept/SubmissionQuotas.js";
import { expectCode } from "../../helpers/expectCode.js";
import {
  makeSubmission,
  postJson,
  readJson,
  setUpRepresentation,
  type RepresentationFixture,
} from "../../helpers/representationFixture.js";
import { runHardhatCli } from "../../helpers/runHardhatCli.js";

// C2R (controlling FE → representation FE, Y.4561 8.8 steps 2–4): per-source submission quotas
// and live settings, changed on a running gateway over /v1/control/* with its control token, in
// force at once, kept across restarts; and QUOTA_EXCEEDED at R2D.

const TOKEN = "c2r-test-token-".padEnd(48, "x");
const connection = await network.create();

describe("offchain/representation: C2R control and submission quotas", () => {
  let fx: RepresentationFixture;
  let gateway: Gateway;
  let seq = 0;
  const payload = () => ({ station: "quota", pm25: 1, seq: seq++ });
  const control = (method: string, route: string, body?: unknown, token = TOKEN) =>
    gateway.app.request(`/v1/control${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  async function expectError(res: Response, status: number, code: string) {
    const body = await readJson(res);
    expect(res.status, JSON.stringify(body)).to.equal(status);
    expect(body.error.code).to.equal(code);
    return body.error as { details: Record<string, unknown> };
  }
  const quotas = async () =>
    (
      (await (await control("GET", "/quotas")).json()) as {
        quotas: { sourceId: string; records: number; used: number }[];
      }
    ).quotas;

  before(async () => {
    fx = await setUpRepresentation(connection);
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      blobStore: fx.blobStore,
      database: { url: "" },
      startLoops: false,
      onError: () => {},
      controlToken: TOKEN,
      batch: { maxBlockSize: 16, maxWaitMs: 60_000 },
    });
  });
  after(() => gateway.close());

  describe("the control token", () => {
    it("refuses a request without it, or with another one, with CONTROL_UNAUTHORIZED and changes nothing", async () => {
      const quota = { records: 1, periodSec: 60 };
      await expectError(await control("PUT", "/quotas/1", quota, ""), 401, "CONTROL_UNAUTHORIZED");
      await expectError(
        await control("PUT", "/quotas/1", quota, TOKEN.slice(0, -1) + "y"),
        401,
        "CONTROL_UNAUTHORIZED",
      );
      await expectError(
        await control("PUT", "/quotas/1", quota, TOKEN + "x"),
        401,
        "CONTROL_UNAUTHORIZED",
      );
      await expectError(
        await control("PATCH", "/settings", { maxBlockSize: 2 }, "Bearer"),
        401,
        "CONTROL_UNAUTHORIZED",
      );
      expect(await quotas()).to.deep.equal([]);
      expect(gateway.control.live.maxBlockSize).to.equal(16);
    });

    it("has no control routes on a gateway started without a token", async () => {
      const other = await createGateway({
        ledgerAddress: fx.ledgerAddress,
        provider: fx.provider,
        signer: fx.gatewaySigner,
        blobStore: fx.blobStore,
        database: { url: "" },
        startLoops: false,
        onError: () => {},
      });
      try {
        const res = await other.app.request("/v1/control/quotas", {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        await expectError(res, 404, "NOT_FOUND");
        await expectCode(
          createC2RClient({
            gatewayUrl: "http://gateway",
            token: TOKEN,
            fetch: ((url: string, init: RequestInit) =>
              other.app.request(url, init)) as typeof fetch,
          }).listQuotas(),
          "CONTROL_DISABLED",
        );
      } finally {
        await other.close();
      }
    });
  });

  describe("quotas", () => {
    it("refuses bad quotas with VALIDATION_FAILED and stores none", async () => {
      for (const [route, body] of [
        ["/quotas/1", { records: -1, periodSec: 60 }],
        ["/quotas/1", { records: 1, periodSec: 0 }],
        ["/quotas/1", { records: 1.5, periodSec: 60 }],
        ["/quotas/1", { records: 1 }],
        ["/quotas/0", { records: 1, periodSec: 60 }],
        ["/quotas/01", { records: 1, periodSec: 60 }],
        ["/quotas/abc", { records: 1, periodSec: 60 }],
      ] as const) {
        await expectError(await control("PUT", route, body), 400, "VALIDATION_FAILED");
      }
      expect(await quotas()).to.deep.equal([]);
    });

    it("accepts a source's records up to its quota, then answers 429 QUOTA_EXCEEDED with Retry-After and stores nothing", async () => {
      const { account, sourceId } = await fx.addDevice();
      const set = await control("PUT", `/quotas/${sourceId}`, { records: 2, periodSec: 3600 });
      expect(set.status).to.equal(200);
      expect(await set.json()).to.include({ sourceId: sourceId.toString(), records: 2, used: 0 });

      const first = await makeSubmission(fx, payload(), { account });
      const second = await makeSubmission(fx, payload(), { account });
      const third = await makeSubmission(fx, payload(), { account });
      expect((await postJson(gateway.app, "/v1/records", first)).status).to.equal(202);
      expect((await postJson(gateway.app, "/v1/records", second)).status).to.equal(202);
      const refused = await postJson(gateway.app, "/v1/records", third);
      const retryAfter = Number(refused.headers.get("retry-after"));
      const error = await expectError(refused, 429, "QUOTA_EXCEEDED");
      expect(error.details).to.include({
        sourceId: sourceId.toString(),
        records: 2,
        periodSec: 3600,
      });
      expect(retryAfter).to.be.within(1, 3600);
      expect(error.details.retryAfterSec).to.equal(retryAfter);
      // The refused record is not in the outbox.
      const thirdId = recordId(third.operation.source, third.operation.record);
      await expectError(
        await gateway.app.request(`/v1/records/${thirdId}`),
        404,
        "RECORD_NOT_FOUND",
      );
      expect((await quotas()).find((q) => q.sourceId === sourceId.toString())?.used).to.equal(2);

      // A retry of an accepted record costs nothing and is answered with its status, also now.
      const retry = await postJson(gateway.app, "/v1/records", second);
      expect(retry.status).to.equal(200);
      expect((await readJson(retry)).status).to.equal("accepted");

      // Another source is not limited by this one's quota.
      const { account: other } = await fx.addDevice();
      expect(
        (
          await postJson(
            gateway.app,
            "/v1/records",
            await makeSubmission(fx, payload(), { account: other }),
          )
        ).status,
      ).to.equal(202);
    });

    it("gives each bulk item its own verdict: the ones over the quota QUOTA_EXCEEDED, the others stored", async () => {
      const { account, sourceId } = await fx.addDevice();
      await control("PUT", `/quotas/${sourceId}`, { records: 2, periodSec: 3600 });
      const items = await Promise.all(
        [1, 2, 3, 4].map(() => makeSubmission(fx, payload(), { account })),
      );
      const res = await postJson(gateway.app, "/v1/records/bulk", items);
      const { results } = (await readJson(res)) as {
        results: { status?: string; error?: { code: string } }[];
      };
      expect(results.map((r) => r.status ?? r.error?.code)).to.deep.equal([
        "accepted",
        "accepted",
        "QUOTA_EXCEEDED",
        "QUOTA_EXCEEDED",
      ]);
      // Raising the quota lets the refused ones in at once; the accepted ones are retries.
      await control("PUT", `/quotas/${sourceId}`, { records: 4, periodSec: 3600 });
      const again = (await readJson(await postJson(gateway.app, "/v1/records/bulk", items))) as {
        results: { status?: string; error?: { code: string } }[];
      };
      expect(again.results.map((r) => r.status ?? r.error?.code)).to.deep.equal([
        "accepted",
        "accepted",
        "accepted",
        "accepted",
      ]);
      expect((await quotas()).find((q) => q.sourceId === sourceId.toString())?.used).to.equal(4);
      // Removing it lifts the limit.
      expect((await control("DELETE", `/quotas/${sourceId}`)).status).to.equal(204);
      expect((await quotas()).map((q) => q.sourceId)).not.to.include(sourceId.toString());
      const fifth = await makeSubmission(fx, payload(), { account });
      expect((await postJson(gateway.app, "/v1/records", fifth)).status).to.equal(202);
    });

    it("counts in fixed periods aligned to the epoch: a new period starts a new count, Retry-After is the time to its end", async () => {
      const db = await openDatabase({ url: "" });
      try {
        await migrate(db, representationMigrations);
        let now = 1_800_000_000_000 + 59_000; // 59 s into a minute
        const q = await SubmissionQuotas.load(db, () => now);
        await q.set(5n, { records: 1, periodSec: 60 });
        expect(q.take("5")).to.equal(undefined);
        const refusal = q.take("5");
        expect(refusal?.code).to.equal("QUOTA_EXCEEDED");
        expect(refusal?.details.retryAfterSec).to.equal(1);
        now += 1_000; // the next minute
        expect(q.take("5")).to.equal(undefined);
        q.release("5");
        expect(q.take("5")).to.equal(undefined);
        // Kept in the database, counts are not: a restart has the quota, with nothing used.
        const reloaded = await SubmissionQuotas.load(db, () => now);
        expect(reloaded.list()).to.deep.equal([
          { sourceId: "5", records: 1, periodSec: 60, used: 0, resetsAt: 1_800_000_120 },
        ]);
      } finally {
        await db.close();
      }
    });
  });

  describe("live settings", () => {
    it("changes the block size for the next block, keeps it across a restart, and resets it with null", async () => {
      const { account } = await fx.addDevice();
      const patch = await control("PATCH", "/settings", { maxBlockSize: 2 });
      expect(patch.status).to.equal(200);
      expect(await patch.json()).to.deep.include({ overridden: ["maxBlockSize"] });
      // Whatever waits from the tests above goes first, in blocks of the new size.
      await gateway.batcher.tick(Date.now() + 120_000);
      while ((await gateway.batcher.tick(Date.now() + 120_000)).length > 0);
      for (let i = 0; i < 3; i++) {
        await postJson(
          gateway.app,
          "/v1/records",
          await makeSubmission(fx, payload(), { account }),
        );
      }
      const packed = await gateway.batcher.tick(Date.now());
      expect(packed.map((b) => b.recordIds.length)).to.deep.equal([2]);

      const reopened = await GatewayControl.open(gateway.db, {
        maxBlockSize: 16,
        maxWaitMs: 60_000,
        maxBacklog: 1000,
      });
      expect(reopened.live.maxBlockSize).to.equal(2);

      await expectError(
        await control("PATCH", "/settings", { maxBlockSize: 0 }),
        400,
        "VALIDATION_FAILED",
      );
      await expectError(
        await control("PATCH", "/settings", { maxBlockSize: "2" }),
        400,
        "VALIDATION_FAILED",
      );
      await expectError(
        await control("PATCH", "/settings", { batch: 2 }),
        400,
        "VALIDATION_FAILED",
      );
      expect(gateway.control.live.maxBlockSize).to.equal(2);

      const reset = await control("PATCH", "/settings", { maxBlockSize: null });
      expect(await reset.json()).to.deep.equal({
        settings: { maxBlockSize: 16, maxWaitMs: 60_000, maxBacklog: 1000 },
        overridden: [],
      });
      expect(
        (
          await GatewayControl.open(gateway.db, {
            maxBlockSize: 16,
            maxWaitMs: 60_000,
            maxBacklog: 1000,
          })
        ).live.maxBlockSize,
      ).to.equal(16);
    });

    it("turns submissions away with GATEWAY_BUSY once the backlog reaches a lowered limit", async () => {
      const { account } = await fx.addDevice();
      await gateway.batcher.tick(Date.now() + 120_000);
      await postJson(gateway.app, "/v1/records", await makeSubmission(fx, payload(), { account }));
      await control("PATCH", "/settings", { maxBacklog: 1 });
      try {
        const res = await postJson(
          gateway.app,
          "/v1/records",
          await makeSubmission(fx, payload(), { account }),
        );
        await expectError(res, 503, "GATEWAY_BUSY");
      } finally {
        await control("PATCH", "/settings", { maxBacklog: null });
      }
    });
  });

  describe("the operator's tasks", () => {
    it("quotas:set and gateway:settings reach a served gateway with the token file; --dry-run and a bad argument send nothing", async function () {
      this.timeout(120_000);
      const http = await serveHttp({ fetch: gateway.app.fetch, hostname: "127.0.0.1", port: 0 });
      const dir = await mkdtemp(path.join(tmpdir(), "c2r-"));
      const tokenFile = path.join(dir, "control-token");
      await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
      const common = ["--gateway-url", http.url, "--control-token-file", tokenFile];
      try {
        const set = await runHardhatCli([
          "quotas:set",
          "--source",
          "77",
          "--records",
          "5",
          "--period",
          "60",
          "--json",
          ...common,
        ]);
        expect(set.code, set.stderr).to.equal(0);
        expect(JSON.parse(set.stdout.trim().split("\n").at(-1)!)).to.include({
          sourceId: "77",
          records: 5,
          periodSec: 60,
        });

        const dry = await runHardhatCli([
          "quotas:set",
          "--source",
          "77",
          "--records",
          "9",
          "--period",
          "60",
          "--dry-run",
          ...common,
        ]);
        expect(dry.code, dry.stderr).to.equal(0);
        expect(dry.stdout).to.include(`would send PUT ${http.url}/v1/control/quotas/77`);

        const bad = await runHardhatCli(["gateway:settings", "--max-block-size", "0", ...common]);
        expect(bad.code).to.equal(1);
        expect(bad.stderr.trim()).to.match(
          /^error ARGUMENT_INVALID: --max-block-size: expected a whole number from 1 to 100000/,
        );

        const wrongToken = path.join(dir, "wrong");
        await writeFile(wrongToken, "x".repeat(48));
        const refused = await runHardhatCli([
          "quotas:list",
          "--gateway-url",
          http.url,
          "--control-token-file",
          wrongToken,
        ]);
        expect(refused.code).to.equal(1);
        expect(refused.stderr).to.match(/^error CONTROL_UNAUTHORIZED: /);

        expect((await quotas()).find((q) => q.sourceId === "77")?.records).to.equal(5);
        expect(gateway.control.live.maxBlockSize).to.equal(16);
      } finally {
        await http.close();
      }
    });
  });
});
