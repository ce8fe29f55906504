import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  createReaderKey,
  keyWrapsTypes,
  ledgerDomain,
  openPayload,
  readerKeyTypes,
  recordId,
  rewrapDataKey,
  sealPayload,
  signKeyWraps,
  verifyReaderKey,
  hashPayload,
  type KeyWrap,
  type ReaderKeyStatement,
  type SignedOperation,
} from "../../../offchain/sdk/index.js";
import { databaseTargets } from "../../helpers/databaseTargets.js";
import { expectCode } from "../../helpers/expectCode.js";
import { publishDataBlock } from "../../helpers/publishDataBlock.js";
import { createServiceHarness, type ServiceHarness } from "./serviceHarness.js";

const SECRET = { patient: "P-2207", heartRate: 88, note: "confidential" };

/**
 * Confidential payloads at U2S (Y.4561 6.2.1, 6.2.5): a data user registers a signed reader
 * key, the device wraps each record's data key for the dataset's readers, and the service hands a
 * reader its wrap only while the reader's grant is live. Everything through HTTP.
 */
for (const target of databaseTargets()) {
  describe(`offchain/service: reader keys and key wraps (${target.name})`, function () {
    this.timeout(120_000);
    let h: ServiceHarness;
    const userKey = createReaderKey();
    const operatorKey = createReaderKey();
    const newReaderKey = createReaderKey();
    let sealed: ReturnType<typeof sealPayload>;
    let op: SignedOperation;
    let id: Hex;
    let token: string;

    const domain = () => ledgerDomain(h.chainId, h.ledgerAddress);
    const json = (method: string, body: unknown) => ({
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

    /** An ethers account's reader key statement (the SDK's signReaderKey is the viem twin). */
    async function statementOf(
      signer: HardhatEthersSigner,
      encryptionKey: Hex,
      issuedAt: number,
      account = signer.address as Hex,
    ): Promise<ReaderKeyStatement> {
      const message = { account, encryptionKey, issuedAt };
      const signature = (await signer.signTypedData(
        domain(),
        { ReaderKey: [...readerKeyTypes.ReaderKey] },
        message,
      )) as Hex;
      return { ...message, signature };
    }

    const register = (statement: ReaderKeyStatement) =>
      h.request("/v1/reader-keys", json("PUT", statement));

    async function grant(user: HardhatEthersSigner, seconds: number) {
      const expiresAt = (await h.chainNow()) + seconds;
      await (
        await h.fx.access.connect(h.fx.datasetOwner).grantAccess(1n, user.address, expiresAt)
      ).wait();
    }

    /** The device's side: fetch the dataset's reader keys, check them, seal, anchor, send wraps. */
    async function deviceSeals(payload: unknown, sampledAt: number) {
      const listed = await h.request("/v1/datasets/1/reader-keys");
      expect(listed.status).to.equal(200);
      const statements = listed.body.readerKeys as ReaderKeyStatement[];
      for (const s of statements) {
        expect(await verifyReaderKey(s, domain())).to.equal(true);
      }
      const readerKeys = [...statements.map((s) => s.encryptionKey), operatorKey.publicKey];
      const result = sealPayload({ payload, readerKeys });
      const operation = await h.signed(result.envelope, sampledAt);
      expect(operation.record.dataHash).to.equal(result.dataHash);
      await publishDataBlock({
        ledger: h.fx.ledger,
        gateway: h.fx.gateway,
        blobs: h.blobs,
        operations: [operation],
      });
      await h.indexer.syncToHead();
      const rid = recordId(operation.source, operation.record);
      const put = await h.request(
        `/v1/records/${rid}/wraps`,
        json("PUT", {
          wraps: result.wraps,
          signer: h.device.address,
          signature: await signKeyWraps({
            account: h.device,
            domain: domain(),
            recordId: rid,
            wraps: result.wraps,
          }),
          dataHash: operation.record.dataHash,
          sampledAt: operation.record.sampledAt,
        }),
      );
      expect(put.status, JSON.stringify(put.body)).to.equal(200);
      expect(put.body.stored).to.equal(result.wraps.length);
      return { sealed: result, operation, id: rid, readerKeys };
    }

    /** What the reader does: payload and wrap from the service, opened on its own device. */
    async function readAs(t: string, privateKey: Hex, rid: Hex, dataHash: Hex) {
      const payload = await h.request(`/v1/records/${rid}/payload`, { token: t });
      const wrap = await h.request(`/v1/records/${rid}/wrap`, { token: t });
      if (wrap.status !== 200) return { status: wrap.status, code: wrap.body.error.code as string };
      expect(payload.status).to.equal(200);
      return {
        status: 200,
        payload: openPayload({
          envelope: payload.body,
          dataHash,
          wrap: wrap.body.wrap,
          readerPrivateKey: privateKey,
        }).payload,
      };
    }

    before(async () => {
      h = await createServiceHarness(target.open);
      const now = await h.chainNow();
      expect(
        (await register(await statementOf(h.fx.user, userKey.publicKey, now))).status,
      ).to.equal(200);
      await grant(h.fx.user, 3600);
      ({ sealed, operation: op, id } = await deviceSeals(SECRET, 4000));
      token = await h.signIn(h.fx.user);
    });
    after(() => h.close());

    describe("reader keys", () => {
      it("serves a registered statement, which anyone can check", async () => {
        const res = await h.request(`/v1/reader-keys/${h.fx.user.address}`);
        expect(res.status).to.equal(200);
        expect(res.body.encryptionKey).to.equal(userKey.publicKey);
        const missing = await h.request(`/v1/reader-keys/${h.fx.stranger.address}`);
        expect(missing.status).to.equal(404);
        expect(missing.body.error.code).to.equal("READER_KEY_NOT_FOUND");
      });

      it("refuses a key signed by another account, and an older statement replayed over a newer one", async () => {
        const now = await h.chainNow();
        // The stranger tries to register its own key under the user's account.
        const forged = await statementOf(
          h.fx.stranger,
          createReaderKey().publicKey,
          now + 10,
          h.fx.user.address as Hex,
        );
        const refused = await register(forged);
        expect(refused.status).to.equal(422);
        expect(refused.body.error.code).to.equal("READER_KEY_INVALID");
        // An exact retry is fine; the same second with another key is not.
        const first = (await h.request(`/v1/reader-keys/${h.fx.user.address}`))
          .body as ReaderKeyStatement;
        expect((await register(first)).status).to.equal(200);
        const sameSecond = await register(
          await statementOf(h.fx.user, createReaderKey().publicKey, first.issuedAt),
        );
        expect(sameSecond.body.error.code).to.equal("READER_KEY_STALE");
        const stale = await register(
          await statementOf(h.fx.user, createReaderKey().publicKey, now - 100),
        );
        expect(stale.status).to.equal(409);
        expect(stale.body.error.code).to.equal("READER_KEY_STALE");
        expect(
          (await h.request(`/v1/reader-keys/${h.fx.user.address}`)).body.encryptionKey,
        ).to.equal(userKey.publicKey);
      });

      it("lists for a dataset only the keys of accounts with a live grant", async () => {
        const now = await h.chainNow();
        expect(
          (await register(await statementOf(h.fx.stranger, createReaderKey().publicKey, now)))
            .status,
        ).to.equal(200);
        const listed = (await h.request("/v1/datasets/1/reader-keys")).body
          .readerKeys as ReaderKeyStatement[];
        expect(listed.map((s) => s.account.toLowerCase())).to.deep.equal([
          h.fx.user.address.toLowerCase(),
        ]);
      });
    });

    describe("key wraps", () => {
      it("a granted user gets its wrap and decrypts, and the plaintext matches the commitment", async () => {
        const read = await readAs(token, userKey.privateKey, id, op.record.dataHash);
        expect(read.status).to.equal(200);
        expect(read.payload).to.deep.equal(SECRET);
      });

      it("refuses wraps signed by anyone but the record's source or an operator", async () => {
        const stranger = { KeyWraps: [...keyWrapsTypes.KeyWraps] };
        const planted: KeyWrap[] = sealPayload({
          payload: 1,
          readerKeys: [userKey.publicKey],
        }).wraps;
        const signature = await h.fx.stranger.signTypedData(domain(), stranger, {
          recordId: id,
          wrapsHash: hashPayload(planted),
        });
        // Claiming to be the source with the stranger's key: the record id does not match.
        const denied = await h.request(
          `/v1/records/${id}/wraps`,
          json("PUT", {
            wraps: planted,
            signer: h.fx.stranger.address,
            signature,
            dataHash: op.record.dataHash,
            sampledAt: op.record.sampledAt,
          }),
        );
        expect(denied.status).to.equal(403);
        expect(denied.body.error.code).to.equal("ACCESS_DENIED");
        // A key that never was a source, storing wraps for a "record" of its own.
        const nobody = privateKeyToAccount(generatePrivateKey());
        const ownId = recordId(nobody.address, { dataHash: op.record.dataHash, sampledAt: 1 });
        const spam = await h.request(
          `/v1/records/${ownId}/wraps`,
          json("PUT", {
            wraps: planted,
            signer: nobody.address,
            signature: await signKeyWraps({
              account: nobody,
              domain: domain(),
              recordId: ownId,
              wraps: planted,
            }),
            dataHash: op.record.dataHash,
            sampledAt: 1,
          }),
        );
        expect(spam.status).to.equal(403);
        expect(spam.body.error.code).to.equal("ACCESS_DENIED");
        expect(
          await h.db.query("select 1 from svc_key_wraps where record_id = $1", [ownId]),
        ).to.deep.equal([]);
        // Naming the source as signer with someone else's signature.
        const misnamed = await h.request(
          `/v1/records/${id}/wraps`,
          json("PUT", {
            wraps: planted,
            signer: h.device.address,
            signature,
            dataHash: op.record.dataHash,
            sampledAt: op.record.sampledAt,
          }),
        );
        expect(misnamed.status).to.equal(422);
        expect(misnamed.body.error.code).to.equal("KEY_WRAPS_INVALID");
        const malformed = await h.request(
          `/v1/records/${id}/wraps`,
          json("PUT", {
            wraps: [{ ...planted[0], wrappedKey: "0x00" }],
            signer: h.device.address,
            signature,
          }),
        );
        expect(malformed.status).to.equal(422);
        expect(malformed.body.error.code).to.equal("KEY_WRAPS_INVALID");
        // The user's wrap is still the device's.
        expect(
          (await readAs(token, userKey.privateKey, id, op.record.dataHash)).payload,
        ).to.deep.equal(SECRET);
      });

      it("gives a user without a grant nothing: no wrap, and the envelope alone opens for nobody", async () => {
        const strangerToken = await h.signIn(h.fx.stranger);
        const res = await h.request(`/v1/records/${id}/wrap`, { token: strangerToken });
        expect(res.status).to.equal(403);
        expect(res.body.error.code).to.equal("ACCESS_DENIED");
        // Even with every wrap in the database, the stranger's key opens none.
        const rows = await h.db.query<{ wrap: string }>(
          "select wrap from svc_key_wraps where record_id = $1",
          [id],
        );
        expect(rows.length).to.equal(2);
        const strangerKey = createReaderKey();
        for (const row of rows) {
          await expectCode(
            () =>
              openPayload({
                envelope: sealed.envelope,
                dataHash: sealed.dataHash,
                wrap: JSON.parse(row.wrap),
                readerPrivateKey: strangerKey.privateKey,
              }),
            "KEY_WRAP_INVALID",
          );
        }
        expect(JSON.stringify(rows)).not.to.include("P-2207");
      });

      it("stops serving wraps when the grant expires or is revoked; later records carry none for the reader", async () => {
        await grant(h.fx.user, 60);
        expect((await readAs(token, userKey.privateKey, id, op.record.dataHash)).status).to.equal(
          200,
        );
        await h.connection.networkHelpers.time.increase(61);
        const expired = await readAs(token, userKey.privateKey, id, op.record.dataHash);
        expect(expired).to.deep.equal({ status: 403, code: "ACCESS_DENIED" });
        expect((await h.request("/v1/datasets/1/reader-keys")).body.readerKeys).to.deep.equal([]);

        await grant(h.fx.user, 3600);
        expect((await readAs(token, userKey.privateKey, id, op.record.dataHash)).status).to.equal(
          200,
        );
        await (
          await h.fx.access.connect(h.fx.datasetOwner).revokeAccess(1n, h.fx.user.address)
        ).wait();
        const revoked = await readAs(token, userKey.privateKey, id, op.record.dataHash);
        expect(revoked).to.deep.equal({ status: 403, code: "ACCESS_DENIED" });

        // A record sealed after the revocation: the device is not told the user's key.
        const later = await deviceSeals({ patient: "P-2207", heartRate: 90 }, 4100);
        expect(later.readerKeys).to.deep.equal([operatorKey.publicKey]);
        const rows = await h.db.query<{ wrap: string }>(
          "select wrap from svc_key_wraps where record_id = $1",
          [later.id],
        );
        expect(rows.length).to.equal(1);
        // The revoked user, even holding the database and the envelope, reads nothing.
        for (const row of rows) {
          await expectCode(
            () =>
              openPayload({
                envelope: later.sealed.envelope,
                dataHash: later.sealed.dataHash,
                wrap: JSON.parse(row.wrap),
                readerPrivateKey: userKey.privateKey,
              }),
            "KEY_WRAP_INVALID",
          );
        }
      });

      it("an operator re-wraps for a new reader without re-encrypting: the anchored hash stays", async () => {
        const reader = h.fx.spare.find(Boolean)!;
        // The new reader needs USER_ROLE for a grant; the operator grants it.
        await (
          await h.fx.ledger
            .connect(h.fx.operator)
            .grantRole(await h.fx.ledger.USER_ROLE(), reader.address)
        ).wait();
        expect(
          (await register(await statementOf(reader, newReaderKey.publicKey, await h.chainNow())))
            .status,
        ).to.equal(200);
        await grant(reader, 3600);
        const wraps = rewrapDataKey({
          dataHash: sealed.dataHash,
          wrap: sealed.wraps.at(-1),
          privateKey: operatorKey.privateKey,
          readerKeys: [newReaderKey.publicKey],
        });
        const signature = await h.fx.operator.signTypedData(
          domain(),
          { KeyWraps: [...keyWrapsTypes.KeyWraps] },
          { recordId: id, wrapsHash: hashPayload(wraps) },
        );
        const put = await h.request(
          `/v1/records/${id}/wraps`,
          json("PUT", { wraps, signer: h.fx.operator.address, signature }),
        );
        expect(put.status, JSON.stringify(put.body)).to.equal(200);
        const read = await readAs(
          await h.signIn(reader),
          newReaderKey.privateKey,
          id,
          op.record.dataHash,
        );
        expect(read.payload).to.deep.equal(SECRET);
        const payload = await h.request(`/v1/records/${id}/payload`, {
          token: await h.signIn(reader),
        });
        expect(payload.response.headers.get("x-data-hash")).to.equal(op.record.dataHash);
      });
    });
  });
}
