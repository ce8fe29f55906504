import { expect } from "chai";
import { zeroHash } from "viem";

import { canonicalJson, createRecord, hashPayload, recordId } from "../../../offchain/sdk/index.js";
import { keccak256 as ethersKeccak256, toUtf8Bytes } from "ethers";
import { expectCode } from "../../helpers/expectCode.js";

const FORMAT_ID = `0x${"ab".repeat(32)}` as const;

const samples: unknown[] = [
  { b: [1, { d: 1e2, c: "x" }], a: null },
  { "€": "unicode ✓", "\u0000": "control", emoji: "😀", n: -0, big: 1e21, small: 1e-7 },
  [true, false, "", 0.1, 123456789012345680000],
  "plain string",
  42,
];

describe("offchain/sdk: canonical payload hashing", () => {
  it("hashes the UTF-8 bytes of the canonical text (checked with an independent keccak)", () => {
    for (const payload of samples) {
      expect(hashPayload(payload)).to.equal(ethersKeccak256(toUtf8Bytes(canonicalJson(payload))));
    }
    expect(canonicalJson(samples[2])).to.equal('[true,false,"",0.1,123456789012345680000]');
  });

  it("ignores key order and number spelling (RFC 8785)", () => {
    expect(canonicalJson({ b: [1, { d: 1e2, c: "x" }], a: null })).to.equal(
      '{"a":null,"b":[1,{"c":"x","d":100}]}',
    );
    expect(hashPayload({ x: 1, y: 2 })).to.equal(hashPayload(JSON.parse('{"y":2.0,"x":1}')));
    expect(hashPayload({ x: 1 })).to.not.equal(hashPayload({ x: 2 }));
  });

  it("rejects values JSON cannot express with PAYLOAD_NOT_CANONICALIZABLE", async () => {
    await expectCode(() => canonicalJson(undefined), "PAYLOAD_NOT_CANONICALIZABLE");
    await expectCode(() => hashPayload({ n: Number.NaN }), "PAYLOAD_NOT_CANONICALIZABLE");
    await expectCode(() => hashPayload({ n: Infinity }), "PAYLOAD_NOT_CANONICALIZABLE");
    await expectCode(() => hashPayload({ n: 1n }), "PAYLOAD_NOT_CANONICALIZABLE");
  });
});

describe("offchain/sdk: createRecord", () => {
  it("hashes payload and metadata canonically and keeps the canonical text", () => {
    const { record, canonicalPayload } = createRecord({
      payload: { station: "A1", pm25: 12.5 },
      formatId: FORMAT_ID,
      metadata: { unit: "µg/m³" },
      sampledAt: 1_760_000_000,
      uri: "ipfs://bafy",
    });
    expect(canonicalPayload).to.equal('{"pm25":12.5,"station":"A1"}');
    expect(record).to.deep.equal({
      dataHash: hashPayload({ pm25: 12.5, station: "A1" }),
      formatId: FORMAT_ID,
      metadataHash: hashPayload({ unit: "µg/m³" }),
      sampledAt: 1_760_000_000,
      uri: "ipfs://bafy",
    });
    // The record id names the source and sampling time too, never the bare data hash.
    const source = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    expect(recordId(source, record)).to.not.equal(record.dataHash);
    expect(recordId(source, record)).to.not.equal(
      recordId(source, { ...record, sampledAt: record.sampledAt + 1 }),
    );
  });

  it("uses the zero hash without metadata, now as sampling time and an empty URI", () => {
    const before = Math.floor(Date.now() / 1000);
    const { record } = createRecord({ payload: [1, 2], formatId: FORMAT_ID });
    expect(record.metadataHash).to.equal(zeroHash);
    expect(record.uri).to.equal("");
    expect(record.sampledAt).to.be.within(before, before + 5);
  });

  it("rejects a malformed format id or time with SDK_INVALID_ARGUMENT", async () => {
    await expectCode(
      () => createRecord({ payload: 1, formatId: "0x1234" }),
      "SDK_INVALID_ARGUMENT",
    );
    await expectCode(
      () => createRecord({ payload: 1, formatId: FORMAT_ID, sampledAt: -1 }),
      "SDK_INVALID_ARGUMENT",
    );
    await expectCode(
      () => createRecord({ payload: 1, formatId: FORMAT_ID, sampledAt: 2 ** 48 }),
      "SDK_INVALID_ARGUMENT",
    );
    await expectCode(
      () => createRecord({ payload: undefined, formatId: FORMAT_ID }),
      "PAYLOAD_NOT_CANONICALIZABLE",
    );
  });
});
