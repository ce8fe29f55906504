import { expect } from "chai";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createPresigner, type PresignParameters } from "../../bench/ingest/presign.js";
import { createRecord } from "../../offchain/sdk/createRecord.js";
import { ledgerDomain } from "../../offchain/sdk/ledgerDomain.js";
import type { Submission } from "../../offchain/sdk/wire.js";
import { signRecord } from "../../offchain/sdk/signRecord.js";
import { verifyRecordSignature } from "../../offchain/sdk/verifyRecordSignature.js";
import { expectCode } from "../helpers/expectCode.js";

const domain = ledgerDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const KEYS: Hex[] = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  `0x${"11".repeat(32)}`,
  "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", // n - 1
];
const FORMAT_A: Hex = `0x${"ab".repeat(32)}`;
const FORMAT_B: Hex = `0x${"Cd".repeat(32)}`; // mixed case stays as given

const cases: Omit<PresignParameters, "deadline" | "epoch">[] = [
  {
    payload: { deviceId: "bench-0-1", pm25: 12, pm10: 30, sampledAt: 1_700_000_000, seq: 7 },
    formatId: FORMAT_A,
    sampledAt: 1_700_000_000,
  },
  { payload: { b: [1, { d: 1e2, c: "x" }], a: null }, formatId: FORMAT_A, uri: "ipfs://bafy" },
  {
    payload: { "€": "ünïcødé ✓", emoji: "😀", n: -0, small: 1e-7 },
    formatId: FORMAT_B,
    metadata: { unit: "µg/m³" },
    sampledAt: 0,
    uri: "https://例え.test/ü?x=1",
  },
  { payload: [true, "", 0.1], formatId: FORMAT_B, sampledAt: 2 ** 48 - 1, uri: "" },
  { payload: "plain string", formatId: FORMAT_A, metadata: null, sampledAt: 1, uri: "ipfs://bafy" },
];

/** The SDK's submission for the same inputs: what the fast signer must reproduce. */
async function viaSdk(key: Hex, parameters: PresignParameters): Promise<Submission> {
  const { payload, formatId, metadata, sampledAt, uri, deadline, epoch } = parameters;
  const { record } = createRecord({ payload, formatId, metadata, sampledAt, uri });
  const account = privateKeyToAccount(key);
  return { operation: await signRecord({ account, domain, record, deadline, epoch }), payload };
}

describe("bench/ingest: presign (fast device signer)", () => {
  it("loads the native binding here and falls back to viem when asked", async () => {
    expect((await createPresigner(KEYS[0], domain)).implementation).to.equal("native");
    expect((await createPresigner(KEYS[0], domain, "viem")).implementation).to.equal("viem");
  });

  it("produces the SDK's exact submissions, which verify", async () => {
    for (const key of KEYS) {
      // One signer across all cases, so its cached format id, URI and metadata slots are
      // exercised as they change back and forth.
      const signer = await createPresigner(key, domain);
      for (const [i, c] of [...cases, ...cases].entries()) {
        const parameters = {
          ...c,
          deadline: (c.sampledAt ?? 1_800_000_000) + (i % 3) * 3600,
          epoch: [0, 1, 2 ** 32 - 1][i % 3],
        };
        if (parameters.deadline > 2 ** 48 - 1) parameters.deadline = 2 ** 48 - 1;
        const fast = await signer.sign(parameters);
        const label = `key ${key.slice(0, 6)} case ${i}`;
        const sdk = await viaSdk(key, parameters);
        expect(fast, label).to.deep.equal(sdk);
        // Same bytes on the wire too, key order included; the signature covers digest and v.
        expect(JSON.stringify(fast), label).to.equal(JSON.stringify(sdk));
        expect(fast.operation.source, label).to.equal(signer.address);
        expect(await verifyRecordSignature({ domain, operation: fast.operation }), label).to.equal(
          true,
        );
      }
    }
  });

  it("defaults sampledAt and uri like createRecord", async () => {
    const signer = await createPresigner(KEYS[1], domain);
    const before = Math.floor(Date.now() / 1000);
    const { operation } = await signer.sign({
      payload: { x: 1 },
      formatId: FORMAT_A,
      deadline: 5,
      epoch: 0,
    });
    expect(operation.record.uri).to.equal("");
    expect(operation.record.sampledAt).to.be.within(before, before + 2);
    const again = await viaSdk(KEYS[1], {
      payload: { x: 1 },
      formatId: FORMAT_A,
      sampledAt: operation.record.sampledAt,
      deadline: 5,
      epoch: 0,
    });
    expect(operation).to.deep.equal(again.operation);
  });

  it("throws the SDK's errors for inputs the record cannot hold", async () => {
    const signer = await createPresigner(KEYS[0], domain);
    const ok = { payload: { x: 1 }, formatId: FORMAT_A, sampledAt: 1, deadline: 2, epoch: 3 };
    await expectCode(signer.sign({ ...ok, formatId: "0x1234" }), "SDK_INVALID_ARGUMENT");
    await expectCode(signer.sign({ ...ok, sampledAt: 2 ** 48 }), "SDK_INVALID_ARGUMENT");
    await expectCode(signer.sign({ ...ok, deadline: -1 }), "SDK_INVALID_ARGUMENT");
    await expectCode(signer.sign({ ...ok, deadline: 1.5 }), "SDK_INVALID_ARGUMENT");
    await expectCode(signer.sign({ ...ok, epoch: -1 }), "SDK_INVALID_ARGUMENT");
    await expectCode(signer.sign({ ...ok, epoch: 2 ** 32 }), "SDK_INVALID_ARGUMENT");
    await expectCode(
      signer.sign({ ...ok, payload: { n: Number.NaN } }),
      "PAYLOAD_NOT_CANONICALIZABLE",
    );
    // Rejected inputs leave the signer's cached encoding intact.
    expect(JSON.stringify(await signer.sign(ok))).to.equal(
      JSON.stringify(await viaSdk(KEYS[0], ok)),
    );
  });
});
