import { expect } from "chai";
import { Wallet } from "ethers";
import { createPublicClient, custom, toBytes, type Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";

import { createGateway, type Gateway } from "../../offchain/representation/createGateway.js";
import {
  createReaderKey,
  ledgerDomain,
  openPayload,
  readerKeyTypes,
  recordId,
  sealPayload,
  signKeyWraps,
  verifyReaderKey,
  verifyReceipt,
  type ReaderKeyStatement,
  type Receipt,
} from "../../offchain/sdk/index.js";
import { openDatabase } from "../../offchain/storage/openDatabase.js";
import { createServiceHarness, type ServiceHarness } from "../offchain/service/serviceHarness.js";

// A confidential dataset end to end, every step through the public interfaces (Y.4561 6.2.1,
// 6.2.5): the data user registers a reader key at U2S; the device fetches the dataset's reader
// keys, seals a payload and submits it to the real gateway (R2D), which anchors it in a data block
// (P2R); the device posts the key wraps; the indexer follows the chain (M2P) and the service
// serves the granted reader the ciphertext and its wrap, which the reader opens and checks
// against the anchored hash. Nobody else gets anything readable.

/** FORMAT_CONFIDENTIAL in contracts/types/DataLedgerTypes.sol. */
const FORMAT_CONFIDENTIAL = 2;
const LICENCE_SCHEMA = JSON.stringify({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "driving-licence",
  type: "object",
  required: ["holder", "number"],
});
const SECRET = { holder: "A. Citizen", number: "DL-5521-0042", note: "confidential-marker-81" };

describe("system: a confidential dataset from the device to its granted reader", function () {
  this.timeout(120_000);
  let h: ServiceHarness;
  let gateway: Gateway;
  let formatId: Hex;
  const reader = createReaderKey();
  const json = (method: string, body: unknown) => ({
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

  before(async () => {
    h = await createServiceHarness(() => openDatabase({ url: "" }), {
      // The real gateway on the harness's chain, with the harness's BlobStore: the service and
      // the indexer read the block documents and payloads the gateway publishes.
      control: async ({ provider, fx, blobs }) => {
        const signer = new Wallet(generatePrivateKey(), provider);
        // Funded by the fixture's admin: the harness hands over a plain ethers Provider.
        await (await fx.admin.sendTransaction({ to: signer.address, value: 10n ** 20n })).wait();
        await (
          await fx.ledger
            .connect(fx.operator)
            .grantRole(await fx.ledger.GATEWAY_ROLE(), signer.address)
        ).wait();
        gateway = await createGateway({
          ledgerAddress: await fx.ledger.getAddress(),
          provider,
          signer,
          blobStore: blobs,
          database: { url: "" },
          startLoops: false,
          onError: () => {},
          batch: { maxBlockSize: 16, maxWaitMs: 60_000 },
        });
        return undefined;
      },
    });
    const { fx } = h;
    formatId = (await h.blobs.put(toBytes(LICENCE_SCHEMA))) as Hex;
    await (
      await fx.ledger
        .connect(fx.operator)
        .registerFormat(
          formatId,
          "driving-licence",
          "1.0.0",
          `blob:${formatId}`,
          FORMAT_CONFIDENTIAL,
        )
    ).wait();
    // The harness's device is source 2, a member of dataset 1.
    await (await fx.ledger.connect(fx.operator).setSourceFormats(2n, [formatId], true)).wait();
    await (await fx.access.connect(fx.datasetOwner).setDatasetFormats(1n, [formatId], true)).wait();
  });
  after(async () => {
    await gateway?.close();
    await h?.close();
  });

  it("is readable by the granted reader only, and verifies against the chain without a key", async () => {
    const { fx } = h;
    const domain = ledgerDomain(h.chainId, h.ledgerAddress);

    // 1. The data user registers its reader key (signed by its account) and is granted dataset 1.
    const statement = {
      account: fx.user.address as Hex,
      encryptionKey: reader.publicKey,
      issuedAt: await h.chainNow(),
    };
    const signature = (await fx.user.signTypedData(
      domain,
      { ReaderKey: [...readerKeyTypes.ReaderKey] },
      statement,
    )) as Hex;
    expect(
      (await h.request("/v1/reader-keys", json("PUT", { ...statement, signature }))).status,
    ).to.equal(200);
    await (
      await fx.access
        .connect(fx.datasetOwner)
        .grantAccess(1n, fx.user.address, (await h.chainNow()) + 3600)
    ).wait();

    // 2. The device seals for the dataset's readers, checking each statement itself.
    const listed = await h.request("/v1/datasets/1/reader-keys");
    const statements = listed.body.readerKeys as ReaderKeyStatement[];
    expect(statements.map((s) => s.encryptionKey)).to.deep.equal([reader.publicKey]);
    for (const s of statements) expect(await verifyReaderKey(s, domain)).to.equal(true);
    const sealed = sealPayload({
      payload: SECRET,
      readerKeys: statements.map((s) => s.encryptionKey),
    });
    const operation = await h.signed(sealed.envelope, 9_000, formatId, false);
    expect(operation.record.dataHash).to.equal(sealed.dataHash);

    // 3. The gateway accepts it without reading it, and anchors it in a data block.
    const submitted = await gateway.app.request(
      "/v1/records",
      json("POST", { operation, payload: sealed.envelope }),
    );
    expect(submitted.status, await submitted.clone().text()).to.equal(202);
    await gateway.batcher.tick(Date.now() + 120_000);
    await gateway.submitter.tick();
    await gateway.submitter.tick();
    const id = recordId(operation.source, operation.record);
    const state = (await (await gateway.app.request(`/v1/records/${id}`)).json()) as {
      status: string;
      receipt: Receipt;
    };
    expect(state.status).to.equal("anchored");
    expect(state.receipt.kind).to.equal("block");

    // Anyone can verify the anchored envelope against the chain, with no key at all.
    const publicClient = createPublicClient({ transport: custom(h.connection.provider) });
    const verified = await verifyReceipt({
      payload: sealed.envelope,
      receipt: state.receipt,
      publicClient,
      ledgerAddress: h.ledgerAddress,
    });
    expect(verified.dataHash).to.equal(sealed.dataHash);

    // 4. The device hands the service the wraps, signed by its source key.
    const wraps = await h.request(
      `/v1/records/${id}/wraps`,
      json("PUT", {
        wraps: sealed.wraps,
        signer: h.device.address,
        signature: await signKeyWraps({
          account: h.device,
          domain,
          recordId: id,
          wraps: sealed.wraps,
        }),
        dataHash: operation.record.dataHash,
        sampledAt: operation.record.sampledAt,
      }),
    );
    expect(wraps.status, JSON.stringify(wraps.body)).to.equal(200);

    // 5. The indexer follows the chain; the granted reader opens what the service serves.
    await h.indexer.syncToHead();
    const token = await h.signIn(fx.user);
    const payload = await h.request(`/v1/records/${id}/payload`, { token });
    const wrap = await h.request(`/v1/records/${id}/wrap`, { token });
    expect([payload.status, wrap.status]).to.deep.equal([200, 200]);
    expect(JSON.stringify(payload.body)).not.to.include("confidential-marker-81");
    const opened = openPayload({
      envelope: payload.body,
      dataHash: operation.record.dataHash,
      wrap: wrap.body.wrap,
      readerPrivateKey: reader.privateKey,
    });
    expect(opened.payload).to.deep.equal(SECRET);

    // 6. A stranger gets neither; after revocation, neither does the user.
    const strangerToken = await h.signIn(fx.stranger);
    for (const route of ["payload", "wrap"]) {
      const res = await h.request(`/v1/records/${id}/${route}`, { token: strangerToken });
      expect([res.status, res.body.error?.code]).to.deep.equal([403, "ACCESS_DENIED"]);
    }
    await (await fx.access.connect(fx.datasetOwner).revokeAccess(1n, fx.user.address)).wait();
    const after = await h.request(`/v1/records/${id}/wrap`, { token });
    expect([after.status, after.body.error?.code]).to.deep.equal([403, "ACCESS_DENIED"]);

    // The gateway kept nothing readable: its outbox row holds the envelope, not the plaintext.
    const rows = await gateway.db.query<{ operation: unknown; payload: string | null }>(
      "select operation, payload from gateway_records",
    );
    expect(JSON.stringify(rows)).not.to.include("confidential-marker-81");
  });
});
