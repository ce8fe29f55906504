import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Provider } from "ethers";
import { network } from "hardhat";
import { keccak256, toBytes, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";

import { defineIndexerConfig } from "../../../offchain/monitoring/indexer/config.js";
import { Indexer } from "../../../offchain/monitoring/indexer/Indexer.js";
import { monitoringMigrations } from "../../../offchain/monitoring/indexer/schema.js";
import { IndexM2S } from "../../../offchain/monitoring/m2s/IndexM2S.js";
import { createRecord } from "../../../offchain/sdk/createRecord.js";
import { ledgerDomain } from "../../../offchain/sdk/ledgerDomain.js";
import { signRecord } from "../../../offchain/sdk/signRecord.js";
import { createServiceApp, type ServiceDeps } from "../../../offchain/service/createServiceApp.js";
import { serviceMigrations } from "../../../offchain/service/schema.js";
import { DirectoryBlobStore } from "../../../offchain/storage/BlobStore.js";
import type { Database } from "../../../offchain/storage/Database.js";
import { migrate } from "../../../offchain/storage/migrate.js";
import { deployLedger, type LedgerFixture } from "../../fixtures/deployLedger.js";
import { keyProof } from "../../helpers/keyProof.js";

export const SIWE_DOMAIN = "data.example.org";
export const SIWE_URI = "https://data.example.org/login";
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A chain with the ledger fixture, an indexed database and a service app over it, plus helpers
 * to anchor data the three ways and to sign in. The service clock is `clock.now` (unix ms) so
 * session expiry can be tested without waiting.
 */
export async function createServiceHarness(
  open: () => Promise<Database>,
  options: {
    /** The O2C routes' control deps, built on the harness's chain (e.g. a gateway on it). */
    control?: (chain: {
      provider: Provider;
      fx: LedgerFixture;
      blobs: DirectoryBlobStore;
    }) => Promise<ServiceDeps["control"]>;
  } = {},
) {
  const connection = await network.create();
  const fx: LedgerFixture = await deployLedger(connection as Parameters<typeof deployLedger>[0]);
  const provider = connection.ethers.provider;
  const chainId = Number((await provider.getNetwork()).chainId);
  const ledgerAddress = (await fx.ledger.getAddress()) as Hex;
  const accessAddress = (await fx.access.getAddress()) as Hex;
  const db = await open();
  await migrate(db, [...monitoringMigrations, ...serviceMigrations]);
  const blobs = new DirectoryBlobStore(await mkdtemp(path.join(tmpdir(), "svc-blobs-")));
  const indexer = new Indexer({
    config: defineIndexerConfig({
      chainId,
      contracts: { ledger: { address: ledgerAddress }, access: { address: accessAddress } },
      confirmations: 2,
    }),
    db,
    provider,
    blobs,
  });
  const clock = { now: Date.now() };
  const m2s = new IndexM2S(db);
  const control = await options.control?.({ provider, fx, blobs });
  const app = createServiceApp({
    control,
    db,
    m2s,
    blobs,
    provider,
    ledgerAddress,
    accessAddress,
    siwe: { domain: SIWE_DOMAIN, uri: SIWE_URI, chainId, sessionTtlSeconds: 600 },
    now: () => clock.now,
    maxBodyBytes: MAX_BODY_BYTES,
  });

  // A second source (id 2): a device with a viem key, in dataset 1 with format 1 and allowed the
  // other format too, whose records dataset 1 must not reveal.
  const device = privateKeyToAccount(generatePrivateKey());
  await fx.ledger
    .connect(fx.operator)
    .registerSource(
      device.address,
      fx.sourceOwner.address,
      keccak256(toBytes("dev")),
      "ipfs://dev",
      [fx.formatId, fx.otherFormatId],
      await keyProof(fx.ledger, device, fx.sourceOwner.address),
    );
  await fx.access.connect(fx.datasetOwner).setDatasetSources(1n, [2n], true);
  const domain = ledgerDomain(chainId, ledgerAddress);

  async function chainNow(): Promise<number> {
    return Number((await provider.getBlock("latest"))!.timestamp);
  }

  /**
   * A device-signed operation over `payload` in the device's current signing epoch, its canonical
   * payload stored in the BlobStore.
   */
  async function signed(payload: unknown, sampledAt: number, formatId = fx.formatId, store = true) {
    const { record, canonicalPayload } = createRecord({
      payload,
      formatId: formatId as Hex,
      sampledAt,
    });
    if (store) await blobs.put(toBytes(canonicalPayload));
    const epoch = Number(
      (await fx.ledger.getSource(await fx.ledger.sourceIdOf(device.address))).epoch,
    );
    return signRecord({
      account: device,
      domain,
      record,
      deadline: (await chainNow()) + 3600,
      epoch,
    });
  }

  async function request(
    pathname: string,
    init: RequestInit & { token?: string } = {},
    // Tests read arbitrary response shapes (records, errors, HTML); typing each would add nothing.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; response: Response }> {
    const headers = new Headers(init.headers);
    if (init.token) headers.set("authorization", `Bearer ${init.token}`);
    const response = await app.request(pathname, { ...init, headers });
    const text = await response.clone().text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Non-JSON bodies (payload bytes, HTML) are returned as text.
    }
    return { status: response.status, body, response };
  }

  /** A SIWE message for `signer` with a fresh nonce; `overrides` forge individual fields. */
  async function siweMessage(
    signer: Pick<HardhatEthersSigner, "address">,
    overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {},
  ): Promise<string> {
    const { body } = await request("/v1/auth/nonce");
    return createSiweMessage({
      address: signer.address as Hex,
      chainId,
      domain: SIWE_DOMAIN,
      nonce: body.nonce,
      uri: SIWE_URI,
      version: "1",
      issuedAt: new Date(clock.now),
      statement: "Sign in to the DataLedger service",
      ...overrides,
    });
  }

  async function signIn(
    signer: Pick<HardhatEthersSigner, "address" | "signMessage">,
  ): Promise<string> {
    const message = await siweMessage(signer);
    const { status, body } = await request("/v1/auth/verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message, signature: await signer.signMessage(message) }),
    });
    if (status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(body)}`);
    return body.token as string;
  }

  return {
    connection,
    provider,
    fx,
    db,
    m2s,
    blobs,
    indexer,
    app,
    clock,
    device,
    chainId,
    ledgerAddress,
    accessAddress,
    chainNow,
    signed,
    request,
    siweMessage,
    signIn,
    async close() {
      await db.close();
      await connection.close();
    },
  };
}

export type ServiceHarness = Awaited<ReturnType<typeof createServiceHarness>>;
