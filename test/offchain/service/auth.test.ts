import { expect } from "chai";

import { databaseTargets } from "../../helpers/databaseTargets.js";
import { createServiceHarness, SIWE_URI, type ServiceHarness } from "./serviceHarness.js";

const json = { "content-type": "application/json" };

for (const target of databaseTargets()) {
  describe(`offchain/service: Sign-In with Ethereum (${target.name})`, function () {
    this.timeout(120_000);
    let h: ServiceHarness;

    before(async () => {
      h = await createServiceHarness(target.open);
    });
    after(() => h.close());

    const verify = (message: string, signature: string) =>
      h.request("/v1/auth/verify", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ message, signature }),
      });

    it("issues a nonce with what the message must state", async () => {
      const { status, body } = await h.request("/v1/auth/nonce");
      expect(status).to.equal(200);
      expect(body.nonce).to.match(/^[A-Za-z0-9]{8,}$/);
      expect(body).to.include({ domain: "data.example.org", uri: SIWE_URI, chainId: h.chainId });
    });

    it("draws nonces from a CSPRNG: 1,000 are unique 128-bit hex, none derived from the last", async () => {
      const nonces: string[] = [];
      for (let i = 0; i < 1000; i++) nonces.push((await h.request("/v1/auth/nonce")).body.nonce);
      for (const nonce of nonces) expect(nonce).to.match(/^[0-9a-f]{32}$/);
      expect(new Set(nonces).size).to.equal(nonces.length);
      // viem's generateSiweNonce returned the previous nonce shifted by one character. Here no
      // 12-character run of a nonce recurs in the next one (by chance: ~1e-12 per pair), which
      // rules out shifts of up to 20 characters either way.
      for (let i = 1; i < nonces.length; i++) {
        for (let j = 0; j + 12 <= 32; j++) {
          expect(nonces[i], `nonce ${i} vs ${i - 1}`).not.to.include(
            nonces[i - 1].slice(j, j + 12),
          );
        }
      }
      // Each hex digit about equally often (2,000 expected, sd ≈ 43): no biased draw.
      const counts = new Map<string, number>();
      for (const c of nonces.join("")) counts.set(c, (counts.get(c) ?? 0) + 1);
      expect(counts.size).to.equal(16);
      for (const [digit, n] of counts) expect(n, digit).to.be.within(1700, 2300);
    });

    it("signs in, serves the session, and logs out", async () => {
      const token = await h.signIn(h.fx.user);
      const search = await h.request("/v1/records/0x" + "11".repeat(32), { token });
      expect(search.body.error.code).to.equal("NOT_FOUND"); // authenticated, USER_ROLE, nothing there
      const out = await h.request("/v1/auth/logout", { method: "POST", token });
      expect(out.status).to.equal(204);
      const after = await h.request("/v1/records/0x" + "11".repeat(32), { token });
      expect(after.status).to.equal(401);
      expect(after.body.error.code).to.equal("UNAUTHENTICATED");
    });

    it("accepts a nonce once: a replayed message is SIWE_INVALID", async () => {
      const message = await h.siweMessage(h.fx.user);
      const signature = await h.fx.user.signMessage(message);
      expect((await verify(message, signature)).status).to.equal(200);
      const replay = await verify(message, signature);
      expect(replay.status).to.equal(401);
      expect(replay.body.error).to.deep.include({
        code: "SIWE_INVALID",
        details: { reason: "nonce" },
      });
    });

    it("rejects another domain, URI or chain, a forged signature, a nonce it never issued", async () => {
      const cases: [string, Parameters<ServiceHarness["siweMessage"]>[1], string][] = [
        ["domain", { domain: "evil.example.org" }, "domain"],
        ["uri", { uri: "https://evil.example.org/login" }, "uri"],
        ["chainId", { chainId: 1 }, "chainId"],
        ["nonce", { nonce: "neverissued123" }, "nonce"],
      ];
      for (const [, overrides, reason] of cases) {
        const message = await h.siweMessage(h.fx.user, overrides);
        const result = await verify(message, await h.fx.user.signMessage(message));
        expect(result.status, reason).to.equal(401);
        expect(result.body.error).to.deep.include({ code: "SIWE_INVALID", details: { reason } });
      }
      const message = await h.siweMessage(h.fx.user);
      const forged = await verify(message, await h.fx.stranger.signMessage(message));
      expect(forged.body.error).to.deep.include({
        code: "SIWE_INVALID",
        details: { reason: "signature" },
      });
      // The failed attempt did not burn the nonce: the real signature still works.
      expect((await verify(message, await h.fx.user.signMessage(message))).status).to.equal(200);
      const garbage = await verify("hello", await h.fx.user.signMessage("hello"));
      expect(garbage.body.error).to.deep.include({
        code: "SIWE_INVALID",
        details: { reason: "message" },
      });
    });

    it("rejects expired messages and expired nonces", async () => {
      const expired = await h.siweMessage(h.fx.user, {
        expirationTime: new Date(h.clock.now - 1000),
      });
      const result = await verify(expired, await h.fx.user.signMessage(expired));
      expect(result.body.error).to.deep.include({
        code: "SIWE_INVALID",
        details: { reason: "time" },
      });
      const early = await h.siweMessage(h.fx.user, { notBefore: new Date(h.clock.now + 60_000) });
      expect(
        (await verify(early, await h.fx.user.signMessage(early))).body.error.details.reason,
      ).to.equal("time");

      const future = await h.siweMessage(h.fx.user, {
        issuedAt: new Date(h.clock.now + 3_600_000),
      });
      const fromFuture = await verify(future, await h.fx.user.signMessage(future));
      expect(fromFuture.body.error.details.reason).to.equal("time");

      const stale = await h.siweMessage(h.fx.user, {
        expirationTime: new Date(h.clock.now + 3_600_000),
      });
      h.clock.now += 301_000; // past the 300 s nonce lifetime
      try {
        const late = await verify(stale, await h.fx.user.signMessage(stale));
        expect(late.body.error).to.deep.include({
          code: "SIWE_INVALID",
          details: { reason: "nonce" },
        });
      } finally {
        h.clock.now -= 301_000;
      }
    });

    it("expires sessions after the TTL or the message's expirationTime, whichever is first", async () => {
      const token = await h.signIn(h.fx.user);
      const short = await h.siweMessage(h.fx.user, {
        expirationTime: new Date(h.clock.now + 60_000),
      });
      const shortSession = await verify(short, await h.fx.user.signMessage(short));
      expect(shortSession.body.expiresAt).to.equal(h.clock.now + 60_000);
      const probe = (t: string) => h.request("/v1/records/0x" + "22".repeat(32), { token: t });

      h.clock.now += 61_000;
      expect((await probe(shortSession.body.token)).body.error.code).to.equal("SESSION_EXPIRED");
      expect((await probe(token)).body.error.code).to.equal("NOT_FOUND");
      h.clock.now += 600_000;
      const expired = await probe(token);
      expect(expired.status).to.equal(401);
      expect(expired.body.error.code).to.equal("SESSION_EXPIRED");
      // An expired session is deleted: the token is now simply unknown.
      expect((await probe(token)).body.error.code).to.equal("UNAUTHENTICATED");
    });

    it("maps malformed requests to VALIDATION_FAILED, UNAUTHENTICATED and UNSUPPORTED_MEDIA_TYPE", async () => {
      const bad = await h.request("/v1/auth/verify", {
        method: "POST",
        headers: json,
        body: '{"message":1}',
      });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.code).to.equal("VALIDATION_FAILED");
      const broken = await h.request("/v1/auth/verify", {
        method: "POST",
        headers: json,
        body: "{",
      });
      expect(broken.body.error.code).to.equal("VALIDATION_FAILED");
      const text = await h.request("/v1/auth/verify", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "hi",
      });
      expect(text.status).to.equal(415);
      expect(text.body.error.code).to.equal("UNSUPPORTED_MEDIA_TYPE");
      const noToken = await h.request("/v1/auth/logout", { method: "POST" });
      expect(noToken.status).to.equal(401);
      expect(noToken.body.error.code).to.equal("UNAUTHENTICATED");
    });
  });
}
