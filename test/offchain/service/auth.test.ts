import { expect } from "chai";

import { databaseTargets } from "../../helpers/databaseTargets.js";
import { createServiceHarness, SIWE_URI, type ServiceHarness } from "./serviceHarness.js";

const json = { "content-type": "application/json" };

/** `message` with its lines edited by `edit` (which may splice, swap or rewrite them). */
function editLines(message: string, edit: (lines: string[]) => void): string {
  const lines = message.split("\n");
  edit(lines);
  return lines.join("\n");
}

/** The index of the line of `message`'s lines that starts with `prefix`. */
function lineIndex(lines: string[], prefix: string): number {
  const i = lines.findIndex((l) => l.startsWith(prefix));
  if (i === -1) throw new Error(`no "${prefix}" line`);
  return i;
}

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

    /** Everything sign-in can write: a refused attempt must leave it as it was. */
    const authTables = async () => ({
      sessions: await h.db.query(
        "select token_hash, address, expires_at::text as e from svc_sessions order by token_hash",
      ),
      nonces: await h.db.query(
        "select nonce, expires_at::text as e from svc_nonces order by nonce",
      ),
    });

    /** Sends `message` signed by `signer` (the user by default) and expects SIWE_INVALID. */
    async function expectRefused(
      message: string,
      reason: string,
      signature?: string,
    ): Promise<void> {
      const before = await authTables();
      const result = await verify(message, signature ?? (await h.fx.user.signMessage(message)));
      expect(result.status, reason).to.equal(401);
      expect(result.body.error, reason).to.deep.include({
        code: "SIWE_INVALID",
        details: { reason },
      });
      expect(await authTables(), `${reason}: a refused sign-in stores nothing`).to.deep.equal(
        before,
      );
    }

    /** Signs `message` as the user and expects a working session. */
    async function expectSignedIn(message: string): Promise<void> {
      const result = await verify(message, await h.fx.user.signMessage(message));
      expect(result.status, JSON.stringify(result.body)).to.equal(200);
      expect(result.body.address).to.equal(h.fx.user.address);
      const probe = await h.request("/v1/records/0x" + "33".repeat(32), {
        token: result.body.token,
      });
      expect(probe.body.error.code).to.equal("NOT_FOUND"); // authenticated, nothing there
    }

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

    it("signs in with every optional field, in the EIP's order, and a scheme in the header", async () => {
      const message = await h.siweMessage(h.fx.user, {
        scheme: "https",
        expirationTime: new Date(h.clock.now + 60_000),
        notBefore: new Date(h.clock.now - 1000),
        requestId: "req-1",
        resources: ["https://data.example.org/v1/records", "ipfs://bafybeigdyrzt"],
      });
      await expectSignedIn(message);
      const noStatement = await h.siweMessage(h.fx.user, { statement: undefined });
      expect(noStatement).to.include(`${h.fx.user.address}\n\n\nURI: `);
      await expectSignedIn(noStatement);
    });

    // Issue #10: each of these was accepted by viem's parser; the reference `siwe` refuses them.
    it("refuses the review's four findings, and a refusal leaves the nonce usable", async () => {
      const attacks: [string, (message: string) => string, string][] = [
        [
          "a non-checksummed (lower-case) address",
          (m) => m.replace(h.fx.user.address, h.fx.user.address.toLowerCase()),
          "address",
        ],
        [
          "a second URI: line appended",
          (m) => `${m}\nURI: https://evil.example.org/login`,
          "duplicateField",
        ],
        [
          "Issued At: yesterday",
          (m) => m.replace(/^Issued At: .*$/m, "Issued At: yesterday"),
          "issuedAt",
        ],
        ["a trailing newline", (m) => `${m}\n`, "layout"],
      ];
      for (const [label, attack, reason] of attacks) {
        const message = await h.siweMessage(h.fx.user);
        const forged = attack(message);
        expect(forged, label).not.to.equal(message);
        await expectRefused(forged, reason);
        // The refusal did not consume the nonce: the honest message for it still signs in.
        await expectSignedIn(message);
      }
    });

    it("refuses messages that break EIP-4361's line structure or field grammar", async () => {
      const attacks: [string, (message: string) => string, string][] = [
        [
          "a duplicated field (a second Nonce: line)",
          (m) =>
            editLines(m, (ls) => {
              const i = lineIndex(ls, "Nonce: ");
              ls.splice(i + 1, 0, ls[i]);
            }),
          "duplicateField",
        ],
        [
          "fields out of order (Chain ID before Version)",
          (m) =>
            editLines(m, (ls) => {
              const v = lineIndex(ls, "Version: ");
              [ls[v], ls[v + 1]] = [ls[v + 1], ls[v]];
            }),
          "fieldOrder",
        ],
        [
          "an optional field out of order (Expiration Time after Request ID)",
          (m) => `${m}\nRequest ID: r1\nExpiration Time: 2999-01-01T00:00:00Z`,
          "fieldOrder",
        ],
        ["a wrong Version", (m) => m.replace("Version: 1", "Version: 2"), "version"],
        [
          "a missing required field (no Issued At)",
          (m) => editLines(m, (ls) => void ls.splice(lineIndex(ls, "Issued At: "), 1)),
          "missingField",
        ],
        ["an unknown field", (m) => `${m}\nAudience: everyone`, "unknownField"],
        ["a lower-case field name", (m) => m.replace("URI: ", "uri: "), "unknownField"],
        ["CRLF line ends", (m) => m.replaceAll("\n", "\r\n"), "layout"],
        [
          "a blank line among the fields",
          (m) => m.replace("\nVersion: ", "\n\nVersion: "),
          "layout",
        ],
        [
          "a statement over two lines",
          (m) => m.replace("DataLedger service", "DataLedger\nservice"),
          "layout",
        ],
        [
          "a statement with a non-ASCII character",
          (m) => m.replace("service", "sérvice"),
          "statement",
        ],
        [
          "another first line",
          (m) => m.replace("wants you to sign in", "would like you to sign in"),
          "header",
        ],
        ["an address that is not hex", (m) => m.replace(/^0x[0-9a-fA-F]{4}/m, "0xZZZZ"), "address"],
        [
          "a date that is no day (February 30)",
          (m) => m.replace(/^Issued At: .*$/m, "Issued At: 2025-02-30T00:00:00Z"),
          "issuedAt",
        ],
        [
          "a date without a time offset",
          (m) => m.replace(/^Issued At: (.*)Z$/m, "Issued At: $1"),
          "issuedAt",
        ],
        [
          "a chain id with a leading zero",
          (m) => m.replace(/^Chain ID: /m, "Chain ID: 0"),
          "chainId",
        ],
        ["a URI that is no URI", (m) => m.replace(`URI: ${SIWE_URI}`, "URI: not a uri"), "uri"],
        ["a resource that is no URI", (m) => `${m}\nResources:\n- not a uri`, "resources"],
      ];
      for (const [label, attack, reason] of attacks) {
        const message = await h.siweMessage(h.fx.user);
        const forged = attack(message);
        expect(forged, label).not.to.equal(message);
        await expectRefused(forged, reason);
      }
    });

    it("refuses another domain, scheme, URI or chain, and a nonce it never issued", async () => {
      const cases: [Parameters<ServiceHarness["siweMessage"]>[1], string][] = [
        [{ domain: "evil.example.org" }, "domain"],
        [{ scheme: "http" }, "domain"], // the service's URI is https
        [{ uri: "https://evil.example.org/login" }, "uri"],
        [{ chainId: 1 }, "chainId"],
        [{ nonce: "neverissued123" }, "nonce"],
      ];
      for (const [overrides, reason] of cases) {
        await expectRefused(await h.siweMessage(h.fx.user, overrides), reason);
      }
      await expectRefused("hello", "header");
    });

    it("accepts a nonce once: a replayed message is refused, and of two racing copies one wins", async () => {
      const message = await h.siweMessage(h.fx.user);
      const signature = await h.fx.user.signMessage(message);
      expect((await verify(message, signature)).status).to.equal(200);
      await expectRefused(message, "nonce", signature);

      // Same message, same instant: the nonce's single delete decides, not the order of checks.
      const raced = await h.siweMessage(h.fx.user);
      const racedSignature = await h.fx.user.signMessage(raced);
      const sessionsBefore = (await authTables()).sessions.length;
      const [first, second] = await Promise.all([
        verify(raced, racedSignature),
        verify(raced, racedSignature),
      ]);
      const [won, lost] = first.status === 200 ? [first, second] : [second, first];
      expect(won.status).to.equal(200);
      expect(lost.status).to.equal(401);
      expect(lost.body.error).to.deep.include({
        code: "SIWE_INVALID",
        details: { reason: "nonce" },
      });
      expect((await authTables()).sessions.length).to.equal(sessionsBefore + 1);
    });

    it("refuses a signature by another key or a malformed one, without burning the nonce", async () => {
      const message = await h.siweMessage(h.fx.user);
      await expectRefused(message, "signature", await h.fx.stranger.signMessage(message));
      const other = await h.siweMessage(h.fx.user);
      await expectRefused(message, "signature", await h.fx.user.signMessage(other));
      await expectRefused(message, "signature", "0x" + "00".repeat(65));
      await expectSignedIn(message);
    });

    it("checks the message's times against the service clock", async () => {
      const now = h.clock.now;
      await expectRefused(
        await h.siweMessage(h.fx.user, { expirationTime: new Date(now - 1000) }),
        "expirationTime",
      );
      await expectRefused(
        await h.siweMessage(h.fx.user, { expirationTime: new Date(now) }),
        "expirationTime",
      );
      await expectRefused(
        await h.siweMessage(h.fx.user, { notBefore: new Date(now + 60_000) }),
        "notBefore",
      );
      await expectRefused(
        await h.siweMessage(h.fx.user, { issuedAt: new Date(now + 3_600_000) }),
        "issuedAt",
      );
      // Written before its nonce was issued: it cannot have been made for that nonce.
      await expectRefused(
        await h.siweMessage(h.fx.user, { issuedAt: new Date(now - 120_000) }),
        "issuedAt",
      );
      // Within a minute of skew either way, and at a numeric offset, the clocks agree.
      await expectSignedIn(await h.siweMessage(h.fx.user, { issuedAt: new Date(now + 30_000) }));
      await expectSignedIn(await h.siweMessage(h.fx.user, { issuedAt: new Date(now - 30_000) }));
      const inParis = (await h.siweMessage(h.fx.user)).replace(
        /^Issued At: .*$/m,
        `Issued At: ${new Date(now + 3_600_000).toISOString().slice(0, 19)}+01:00`,
      );
      await expectSignedIn(inParis);
    });

    it("refuses an expired nonce", async () => {
      const stale = await h.siweMessage(h.fx.user, {
        expirationTime: new Date(h.clock.now + 3_600_000),
      });
      h.clock.now += 301_000; // past the 300 s nonce lifetime
      try {
        await expectRefused(stale, "nonce");
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
