import { readdir, readFile } from "node:fs/promises";

import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { expect } from "chai";
import { bytesToHex, hexToBytes, keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { unwrapDataKey, wrapDataKey } from "../../../offchain/sdk/keyWrap.js";
import {
  createReaderKey,
  createRecord,
  hashPayload,
  hashSealedEnvelope,
  ledgerDomain,
  openPayload,
  parseKeyWrap,
  parseSealedEnvelope,
  readerPublicKey,
  rewrapDataKey,
  sealPayload,
  sealedCommitment,
  signReaderKey,
  verifyReaderKey,
  type KeyWrap,
  type SealedEnvelope,
} from "../../../offchain/sdk/index.js";
import { envelopeAssociatedData } from "../../../offchain/sdk/sealedEnvelope.js";
import { expectCode } from "../../helpers/expectCode.js";

const PAYLOAD = { patient: "P-1041", heartRate: 71, note: "arrhythmia suspected" };

/** Flips the lowest bit of byte `index` (negative: from the end) of a hex string. */
function flip(hex: Hex, index: number): Hex {
  const bytes = hexToBytes(hex);
  bytes[index < 0 ? bytes.length + index : index] ^= 1;
  return bytesToHex(bytes);
}

/** Confidential payloads (Y.4561 6.2.1, 6.2.5): the device seals, only a reader opens. */
describe("offchain/sdk: sealPayload / openPayload", () => {
  const reader = createReaderKey();
  const other = createReaderKey();
  const operator = createReaderKey();
  const sealed = sealPayload({
    payload: PAYLOAD,
    readerKeys: [reader.publicKey, operator.publicKey],
  });
  const [readerWrap, operatorWrap] = sealed.wraps as [KeyWrap, KeyWrap];

  const open = (overrides: Partial<Parameters<typeof openPayload>[0]> = {}) =>
    openPayload({
      envelope: sealed.envelope,
      dataHash: sealed.dataHash,
      wrap: readerWrap,
      readerPrivateKey: reader.privateKey,
      ...overrides,
    });

  /**
   * The envelope altered in one field and a wrap made for the altered envelope with the real
   * data key: what a reader would face if the hash check were passed (the attacker is the party
   * that anchored the altered envelope), so the AEAD itself must catch the change.
   */
  function alteredWithValidWrap(change: (e: SealedEnvelope) => SealedEnvelope) {
    const dataKey = unwrapDataKey(readerWrap, reader.privateKey, sealed.dataHash);
    const envelope = change({ ...sealed.envelope });
    const dataHash = hashSealedEnvelope(envelope);
    return { envelope, dataHash, wrap: wrapDataKey(dataKey, reader.publicKey, dataHash) };
  }

  it("round-trips: the reader gets the payload, its hash and the commitment's salt", () => {
    const opened = open();
    expect(opened.payload).to.deep.equal(PAYLOAD);
    expect(opened.payloadHash).to.equal(hashPayload(PAYLOAD));
    expect(sealedCommitment(opened.salt, opened.payloadHash)).to.equal(sealed.envelope.commitment);
    // The operator's wrap opens the same envelope.
    expect(
      open({ wrap: operatorWrap, readerPrivateKey: operator.privateKey }).payload,
    ).to.deep.equal(PAYLOAD);
  });

  it("anchors the envelope's hash with createRecord, and the envelope holds no plaintext", () => {
    const { record } = createRecord({
      payload: sealed.envelope,
      formatId: keccak256(toBytes("f")),
    });
    expect(record.dataHash).to.equal(sealed.dataHash);
    expect(sealed.dataHash).to.equal(hashPayload(sealed.envelope));
    const text = JSON.stringify(sealed.envelope);
    for (const word of ["P-1041", "arrhythmia", "heartRate"]) expect(text).not.to.include(word);
    expect(Object.keys(sealed.envelope).sort()).to.deep.equal([
      "algorithm",
      "ciphertext",
      "commitment",
      "nonce",
      "version",
    ]);
  });

  it("seals the same payload differently each time (fresh key, nonce and salt)", () => {
    const again = sealPayload({ payload: PAYLOAD, readerKeys: [reader.publicKey] });
    expect(again.dataHash).not.to.equal(sealed.dataHash);
    expect(again.envelope.commitment).not.to.equal(sealed.envelope.commitment);
    expect(again.envelope.nonce).not.to.equal(sealed.envelope.nonce);
    expect(again.wraps[0]!.ephemeralKey).not.to.equal(readerWrap.ephemeralKey);
  });

  describe("tampering", () => {
    const fields: [string, (e: SealedEnvelope) => SealedEnvelope][] = [
      ["ciphertext", (e) => ({ ...e, ciphertext: flip(e.ciphertext, 40) })],
      ["tag", (e) => ({ ...e, ciphertext: flip(e.ciphertext, -1) })],
      ["nonce", (e) => ({ ...e, nonce: flip(e.nonce, 0) })],
      ["commitment", (e) => ({ ...e, commitment: flip(e.commitment, 5) })],
    ];
    for (const [name, change] of fields) {
      it(`with the ${name} is refused against the anchored data hash`, async () => {
        const error = await expectCode(
          () => open({ envelope: change({ ...sealed.envelope }) }),
          "ENVELOPE_HASH_MISMATCH",
        );
        expect(error.details?.expected).to.equal(sealed.dataHash);
      });
      it(`with the ${name} fails decryption even with a wrap made for the altered envelope`, async () => {
        const altered = alteredWithValidWrap(change);
        await expectCode(() => open(altered), "ENVELOPE_DECRYPTION_FAILED");
      });
    }

    it("with the wrapped key, its nonce or its ephemeral key is refused", async () => {
      for (const field of ["wrappedKey", "nonce", "ephemeralKey"] as const) {
        await expectCode(
          () => open({ wrap: { ...readerWrap, [field]: flip(readerWrap[field], 3) } }),
          "KEY_WRAP_INVALID",
        );
      }
      // The tag at the end of the wrapped key too.
      await expectCode(
        () => open({ wrap: { ...readerWrap, wrappedKey: flip(readerWrap.wrappedKey, -1) } }),
        "KEY_WRAP_INVALID",
      );
    });

    it("a plaintext that does not match the commitment is refused after decrypting", async () => {
      // A source holding the data key seals a payload under a commitment to another one.
      const dataKey = unwrapDataKey(readerWrap, reader.privateKey, sealed.dataHash);
      const header = {
        version: sealed.envelope.version,
        algorithm: sealed.envelope.algorithm,
        commitment: sealedCommitment(bytesToHex(new Uint8Array(32)), hashPayload({ other: 1 })),
      };
      const nonce = hexToBytes(sealed.envelope.nonce);
      const plaintext = xchacha20poly1305(
        dataKey,
        nonce,
        envelopeAssociatedData(sealed.envelope),
      ).decrypt(hexToBytes(sealed.envelope.ciphertext));
      const envelope: SealedEnvelope = {
        ...header,
        nonce: sealed.envelope.nonce,
        ciphertext: bytesToHex(
          xchacha20poly1305(dataKey, nonce, envelopeAssociatedData(header)).encrypt(plaintext),
        ),
      };
      const dataHash = hashSealedEnvelope(envelope);
      const wrap = wrapDataKey(dataKey, reader.publicKey, dataHash);
      const error = await expectCode(
        () => open({ envelope, dataHash, wrap }),
        "ENVELOPE_COMMITMENT_MISMATCH",
      );
      expect(error.details?.expected).to.equal(header.commitment);
    });
  });

  describe("readers", () => {
    it("a non-reader cannot open: not with another's wrap, nor with one relabelled as theirs", async () => {
      await expectCode(() => open({ readerPrivateKey: other.privateKey }), "KEY_WRAP_INVALID");
      await expectCode(
        () =>
          open({
            readerPrivateKey: other.privateKey,
            wrap: { ...readerWrap, readerKey: other.publicKey },
          }),
        "KEY_WRAP_INVALID",
      );
    });

    it("a wrap opens only the envelope it was made for", async () => {
      const second = sealPayload({ payload: PAYLOAD, readerKeys: [reader.publicKey] });
      await expectCode(
        () => open({ envelope: second.envelope, dataHash: second.dataHash, wrap: readerWrap }),
        "KEY_WRAP_INVALID",
      );
    });

    it("re-wraps for new readers without changing the envelope or its data hash", () => {
      const before = JSON.stringify(sealed.envelope);
      const [newWrap] = rewrapDataKey({
        dataHash: sealed.dataHash,
        wrap: operatorWrap,
        privateKey: operator.privateKey,
        readerKeys: [other.publicKey],
      });
      expect(JSON.stringify(sealed.envelope)).to.equal(before);
      expect(hashSealedEnvelope(sealed.envelope)).to.equal(sealed.dataHash);
      expect(open({ wrap: newWrap, readerPrivateKey: other.privateKey }).payload).to.deep.equal(
        PAYLOAD,
      );
    });

    it("re-wrapping needs a wrap the caller can open", async () => {
      await expectCode(
        () =>
          rewrapDataKey({
            dataHash: sealed.dataHash,
            wrap: operatorWrap,
            privateKey: other.privateKey,
            readerKeys: [other.publicKey],
          }),
        "KEY_WRAP_INVALID",
      );
    });

    it("a reader key statement verifies for its account only", async () => {
      const account = privateKeyToAccount(generatePrivateKey());
      const domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
      const statement = await signReaderKey({ account, encryptionKey: reader.publicKey, domain });
      expect(readerPublicKey(reader.privateKey)).to.equal(reader.publicKey);
      expect(await verifyReaderKey(statement, domain)).to.equal(true);
      expect(
        await verifyReaderKey({ ...statement, encryptionKey: other.publicKey }, domain),
      ).to.equal(false);
      expect(
        await verifyReaderKey(
          { ...statement, account: privateKeyToAccount(generatePrivateKey()).address },
          domain,
        ),
      ).to.equal(false);
      expect(await verifyReaderKey(statement, { ...domain, chainId: 1 })).to.equal(false);
      await expectCode(
        () => signReaderKey({ account, encryptionKey: "0x1234", domain }),
        "SDK_INVALID_ARGUMENT",
      );
    });
  });

  describe("shape", () => {
    const cases: [string, unknown][] = [
      ["not an object", "sealed"],
      ["an extra field", { ...sealed.envelope, wraps: [] }],
      ["a missing field", { ...sealed.envelope, commitment: undefined }],
      ["another version", { ...sealed.envelope, version: 2 }],
      ["another algorithm", { ...sealed.envelope, algorithm: "aes-128-ecb" }],
      [
        "upper-case hex",
        { ...sealed.envelope, nonce: sealed.envelope.nonce.toUpperCase().replace("0X", "0x") },
      ],
      ["a short nonce", { ...sealed.envelope, nonce: sealed.envelope.nonce.slice(0, 20) }],
      ["a ciphertext shorter than salt and tag", { ...sealed.envelope, ciphertext: "0x00" }],
    ];
    for (const [name, value] of cases) {
      it(`refuses an envelope with ${name}`, async () => {
        await expectCode(() => parseSealedEnvelope(value), "ENVELOPE_MALFORMED");
        await expectCode(() => open({ envelope: value }), "ENVELOPE_MALFORMED");
      });
    }
    it("refuses a key wrap with a wrong field or length", async () => {
      expect(parseKeyWrap(readerWrap)).to.equal(readerWrap);
      await expectCode(() => parseKeyWrap({ ...readerWrap, extra: 1 }), "ENVELOPE_MALFORMED");
      await expectCode(
        () => parseKeyWrap({ ...readerWrap, wrappedKey: readerWrap.wrappedKey.slice(0, 66) }),
        "ENVELOPE_MALFORMED",
      );
      await expectCode(
        () => sealPayload({ payload: 1, readerKeys: ["0x12"] }),
        "SDK_INVALID_ARGUMENT",
      );
      await expectCode(() => sealPayload({ payload: 1, readerKeys: [] }), "SDK_INVALID_ARGUMENT");
      // The all-zero point is of low order: the shared secret would be zero for every sender.
      await expectCode(
        () => sealPayload({ payload: 1, readerKeys: [`0x${"00".repeat(32)}`] }),
        "SDK_INVALID_ARGUMENT",
      );
    });
  });

  it("stays browser-safe: the SDK imports no node: module", async () => {
    const dir = new URL("../../../offchain/sdk/", import.meta.url);
    for (const file of await readdir(dir)) {
      const text = await readFile(new URL(file, dir), "utf8");
      expect(text, file).not.to.match(/from "node:|require\("node:/);
    }
  });
});
