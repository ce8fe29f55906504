import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { keccak256, toBytes, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  createRecord,
  ledgerDomain,
  signRecord,
  signSourceKey,
  type LedgerDomain,
} from "../../offchain/sdk/index.js";
import { DirectoryBlobStore } from "../../offchain/storage/BlobStore.js";
import type { DataLedger } from "../../types/ethers-contracts/index.js";
import { ADMIN_DELAY } from "../fixtures/deployLedger.js";

/** The JSON Schema of the test format; its keccak256 is the format id. */
export const AIR_QUALITY_SCHEMA = JSON.stringify({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "air-quality",
  type: "object",
  required: ["station", "pm25"],
  properties: {
    station: { type: "string", minLength: 1 },
    pm25: { type: "number", minimum: 0 },
    at: { type: "string", format: "date-time" },
    seq: { type: "integer" },
  },
  additionalProperties: false,
});

/** A ledger with one gateway key, one format (schema in the BlobStore) and one device source. */
export interface RepresentationFixture {
  ledger: DataLedger;
  ledgerAddress: Hex;
  /** The ledger as the operator. */
  asOperator: DataLedger;
  /** An ethers provider over the in-process chain with no response cache. */
  provider: BrowserProvider;
  /** The gateway's key: GATEWAY_ROLE, funded, signs locally. */
  gatewaySigner: Wallet;
  blobDir: string;
  blobStore: DirectoryBlobStore;
  formatId: Hex;
  domain: LedgerDomain;
  device: LocalAccount;
  deviceOwner: string;
  sourceId: bigint;
  /** Registers a new device key as a source allowed the test format. */
  addDevice(): Promise<{ account: LocalAccount; sourceId: bigint }>;
  /** The latest block timestamp. */
  now(): Promise<number>;
}

/**
 * Deploys a DataLedger on a Hardhat in-process network and sets up what the representation
 * gateway needs. `wrapProvider` lets a test put a flaky layer between the gateway and the node.
 *
 * @example
 * const fx = await setUpRepresentation(await network.create());
 */
export async function setUpRepresentation(
  connection: NetworkConnection,
): Promise<RepresentationFixture> {
  const { ethers } = connection;
  const [admin, operator, owner] = await ethers.getSigners();
  const ledger = (await ethers.deployContract(
    "DataLedger",
    [admin.address, ADMIN_DELAY],
    admin,
  )) as unknown as DataLedger;
  // Until the code is there: on a node that mines by interval a call would read nothing.
  await ledger.waitForDeployment();
  const ledgerAddress = (await ledger.getAddress()) as Hex;
  const asOperator = ledger.connect(operator);
  await (
    await ledger.connect(admin).grantRole(await ledger.OPERATOR_ROLE(), operator.address)
  ).wait();

  const provider = new BrowserProvider(
    connection.provider as unknown as Eip1193Provider,
    undefined,
    {
      cacheTimeout: -1,
    },
  );
  const gatewaySigner = new Wallet(generatePrivateKey(), provider);
  await connection.provider.request({
    method: "hardhat_setBalance",
    params: [gatewaySigner.address, "0x56BC75E2D63100000"],
  });
  await (await asOperator.grantRole(await ledger.GATEWAY_ROLE(), gatewaySigner.address)).wait();

  const blobDir = await mkdtemp(path.join(tmpdir(), "dataledger-blobs-"));
  const blobStore = new DirectoryBlobStore(blobDir);
  const formatId = await blobStore.put(toBytes(AIR_QUALITY_SCHEMA));
  await (
    await asOperator.registerFormat(formatId, "air-quality", "1.0.0", `blob:${formatId}`, 0)
  ).wait();

  const chainId = (await provider.getNetwork()).chainId;
  const domain = ledgerDomain(chainId, ledgerAddress);
  let sources = 0n;
  const addDevice = async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    await (
      await asOperator.registerSource(
        account.address,
        owner.address,
        keccak256(toBytes(account.address)),
        "ipfs://device",
        [formatId],
        await signSourceKey({ account, owner: owner.address as Hex, domain }),
      )
    ).wait();
    return { account, sourceId: ++sources };
  };
  const first = await addDevice();
  return {
    ledger,
    ledgerAddress,
    asOperator,
    provider,
    gatewaySigner,
    blobDir,
    blobStore,
    formatId,
    domain,
    device: first.account,
    deviceOwner: owner.address,
    sourceId: first.sourceId,
    addDevice,
    now: async () => (await provider.getBlock("latest"))!.timestamp,
  };
}

export interface SubmissionOptions {
  account?: LocalAccount;
  formatId?: Hex;
  deadline?: number;
  /** The signing epoch; by default the source's current one on the ledger. */
  epoch?: number;
  sampledAt?: number;
  mode?: "block" | "relayed";
  uri?: string;
}

/** A device-signed submission body for POST /v1/records, made with the SDK like a device would. */
export async function makeSubmission<P>(
  fx: RepresentationFixture,
  payload: P,
  options: SubmissionOptions = {},
) {
  const { record } = createRecord({
    payload,
    formatId: options.formatId ?? fx.formatId,
    metadata: { unit: "µg/m³" },
    sampledAt: options.sampledAt ?? 1_760_000_000,
    uri: options.uri ?? "",
  });
  const account = options.account ?? fx.device;
  const operation = await signRecord({
    account,
    domain: fx.domain,
    record,
    deadline: options.deadline ?? (await fx.now()) + 3600,
    epoch: options.epoch ?? (await sourceEpoch(fx, account.address)),
  });
  return { operation, payload, ...(options.mode ? { mode: options.mode } : {}) };
}

/** The current signing epoch of the source `key` is bound to, 0 when none. */
export async function sourceEpoch(fx: RepresentationFixture, key: string): Promise<number> {
  const sourceId = await fx.ledger.sourceIdOf(key);
  return sourceId === 0n ? 0 : Number((await fx.ledger.getSource(sourceId)).epoch);
}

/** Anchors a submission's record on-chain on its own (`submitRecordBySig`), as another gateway would. */
export async function anchorOnChain(
  fx: RepresentationFixture,
  { operation }: Awaited<ReturnType<typeof makeSubmission>>,
): Promise<void> {
  await (
    await fx.ledger
      .connect(fx.gatewaySigner)
      .submitRecordBySig(
        operation.source,
        operation.record,
        operation.deadline,
        operation.signature,
      )
  ).wait();
}

/** POSTs JSON to an app without a port. */
export function postJson(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return app.request(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** A response body as loosely typed JSON: tests assert on its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(res: Response): Promise<any> {
  return res.json();
}
