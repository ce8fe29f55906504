import { expect } from "chai";
import { id, Interface, Wallet } from "ethers";
import { toBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createGateway, type Gateway } from "../../../offchain/representation/createGateway.js";
import { createServiceApp } from "../../../offchain/service/createServiceApp.js";
import { openDatabase } from "../../../offchain/storage/openDatabase.js";
import { DataLedger__factory } from "../../../types/ethers-contracts/index.js";
import { keyProof } from "../../helpers/keyProof.js";
import { OpenApiConformance } from "../../helpers/openApiConformance.js";
import {
  createServiceHarness,
  SIWE_DOMAIN,
  SIWE_URI,
  type ServiceHarness,
} from "./serviceHarness.js";

// O2C over HTTP on the service FE (Y.4561 8.8 steps 2–4): an operator's SIWE session, checked
// against OPERATOR_ROLE on-chain at each request; unsigned plans the operator's own key signs;
// the relay of what it signed, refusing anything else with nothing mined; reads and the
// configuration check; quotas and settings forwarded to a real gateway (C2R), and the service's
// own session lifetime (C2S). Every response is checked against the service's OpenAPI document.

const CONTROL_TOKEN = "o2c-test-token-".padEnd(48, "x");
const OPERATOR_ROLE = id("OPERATOR_ROLE");
const SUSPENDED = 2n;

describe("offchain/service: the O2C API", function () {
  this.timeout(120_000);
  let h: ServiceHarness;
  let gateway: Gateway;
  let api: OpenApiConformance;
  /** An operator whose key only the test holds (the service never sees it). */
  const operator = new Wallet(generatePrivateKey());
  let token: string;

  before(async () => {
    h = await createServiceHarness(() => openDatabase({ url: "" }), {
      control: async ({ provider, fx, blobs }) => {
        gateway = await createGateway({
          ledgerAddress: await fx.ledger.getAddress(),
          provider,
          signer: fx.gateway,
          blobStore: blobs,
          database: { url: "" },
          startLoops: false,
          onError: () => {},
          controlToken: CONTROL_TOKEN,
        });
        return {
          // The gateway's C2R routes, in-process (no port): the same requests a URL would get.
          gateway: {
            gatewayUrl: "http://gateway.test",
            token: CONTROL_TOKEN,
            fetch: (async (url: string, init?: RequestInit) =>
              gateway.app.request(url, init)) as typeof fetch,
          },
          gatewayAddress: fx.gateway.address,
        };
      },
    });
    await fund(operator.address);
    await (await h.fx.ledger.connect(h.fx.admin).grantRole(OPERATOR_ROLE, operator.address)).wait();
    api = await OpenApiConformance.of(h.app);
    token = await h.signIn(operator);
  });
  after(async () => {
    await gateway?.close();
    await h?.close();
  });

  async function fund(address: string) {
    await (await h.fx.admin.sendTransaction({ to: address, value: 10n ** 19n })).wait();
  }

  /** A request checked against the OpenAPI document (status, content type, body schema). */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    bearer: string | null = token,
    // Tests read many response shapes; the document's schemas already checked each.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const checked = await api.request(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: checked.status, body: checked.body };
  }

  async function expectError(
    response: Promise<{ status: number; body: { error?: { code: string } } }>,
    status: number,
    code: string,
  ) {
    const { status: got, body } = await response;
    expect(got, JSON.stringify(body)).to.equal(status);
    expect(body.error?.code).to.equal(code);
  }

  /** A plan for the operator, signed with its own key, as its wallet would. */
  async function sign(
    plan: { to: string; data: string; chainId: string },
    signer: Wallet = operator,
    overrides: { chainId?: bigint; to?: string; value?: bigint } = {},
  ): Promise<string> {
    const fees = await h.provider.getFeeData();
    return signer.signTransaction({
      type: 2,
      to: overrides.to ?? plan.to,
      data: plan.data,
      value: overrides.value ?? 0n,
      chainId: overrides.chainId ?? BigInt(plan.chainId),
      nonce: await h.provider.getTransactionCount(signer.address),
      gasLimit: 1_000_000n,
      maxFeePerGas: fees.maxFeePerGas! * 2n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas!,
    });
  }

  async function planAndSend(path: string, body?: unknown) {
    const plan = await call("POST", path, body);
    expect(plan.status, JSON.stringify(plan.body)).to.equal(200);
    const rawTransaction = await sign(plan.body);
    const sent = await call("POST", "/v1/o2c/transactions", { rawTransaction });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    expect(sent.body.status).to.equal("success");
    return { ...sent.body, rawTransaction };
  }

  async function waitFor(condition: () => Promise<boolean>) {
    for (let i = 0; i < 200 && !(await condition()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The quotas as the gateway itself answers them (its own C2R route). */
  async function gatewayQuotas(): Promise<unknown[]> {
    const res = await gateway.app.request("/v1/control/quotas", {
      headers: { authorization: `Bearer ${CONTROL_TOKEN}` },
    });
    return ((await res.json()) as { quotas: unknown[] }).quotas;
  }

  /** The block number and the operator's nonce: equal before and after = nothing mined. */
  const chainMark = async () =>
    `${await h.provider.getBlockNumber()}:${await h.provider.getTransactionCount(operator.address)}`;

  describe("an operator's wallet signs what the service plans", () => {
    it("plans suspending a source, the operator signs and posts it, the source is suspended on-chain", async () => {
      const plan = await call("POST", "/v1/o2c/sources/1/suspend", { reasonCode: 7 });
      expect(plan.status, JSON.stringify(plan.body)).to.equal(200);
      expect(plan.body).to.include({
        operation: "sources:suspend",
        from: operator.address,
        to: h.ledgerAddress,
        value: "0",
        chainId: String(h.chainId),
        function: "suspendSource(uint64,uint16)",
      });
      expect(plan.body.args).to.deep.equal(["1", "7"]);
      // Planning sent nothing.
      expect((await h.fx.ledger.getSource(1n)).status).to.equal(1n);

      const sent = await call("POST", "/v1/o2c/transactions", {
        rawTransaction: await sign(plan.body),
      });
      expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
      expect(sent.body).to.include({ status: "success", function: "suspendSource(uint64,uint16)" });
      const receipt = await h.provider.getTransactionReceipt(sent.body.txHash);
      expect(receipt!.from).to.equal(operator.address);
      expect(sent.body.blockNumber).to.equal(receipt!.blockNumber);
      const changed = sent.body.events.find(
        (e: { name: string }) => e.name === "SourceStatusChanged",
      );
      expect(changed).to.deep.include({ contract: "DataLedger" });
      expect(changed.args).to.deep.equal({ sourceId: "1", status: "2", reasonCode: "7" });
      expect((await h.fx.ledger.getSource(1n)).status).to.equal(SUSPENDED);
      const shown = await call("GET", "/v1/o2c/sources/1");
      expect(shown.body.status).to.equal("suspended");
    });

    it("answers a plan the suite would refuse with its ControlRevertError code, and sends nothing", async () => {
      const mark = await chainMark();
      await expectError(call("POST", "/v1/o2c/sources/999/suspend", {}), 404, "SOURCE_UNKNOWN");
      await expectError(
        call("POST", "/v1/o2c/sources/1/suspend", {}),
        409,
        "SOURCE_INVALID_STATUS",
      );
      // An operator cannot grant the operator role (the admin's): the ledger's own answer.
      await expectError(
        call("POST", "/v1/o2c/roles/operator/grant", { account: h.fx.stranger.address }),
        403,
        "ROLE_REQUIRED",
      );
      await expectError(
        call("POST", "/v1/o2c/sources/1/suspend", { reasonCode: -1 }),
        400,
        "VALIDATION_FAILED",
      );
      expect(await chainMark()).to.equal(mark);
    });

    it("creates a dataset and grants a user through plans and the relay, the events decoded", async () => {
      const created = await planAndSend("/v1/o2c/datasets", {
        uri: "ipfs://o2c-dataset",
        sourceIds: ["2"],
        formatIds: [h.fx.formatId],
      });
      const event = created.events.find((e: { name: string }) => e.name === "DatasetCreated");
      expect(event.contract).to.equal("AccessRegistry");
      const datasetId = event.args.datasetId as string;
      const dataset = await call("GET", `/v1/o2c/datasets/${datasetId}`);
      expect(dataset.body).to.deep.include({ owner: operator.address, sourceIds: ["2"] });

      const expiresAt = (await h.chainNow()) + 3600;
      await planAndSend(`/v1/o2c/datasets/${datasetId}/grants`, {
        user: h.fx.user.address,
        expiresAt,
      });
      const grants = await call("GET", `/v1/o2c/datasets/${datasetId}/grants`);
      expect(grants.body.grants).to.deep.equal([
        { user: h.fx.user.address, expiresAt: String(expiresAt), live: true },
      ]);
    });
  });

  describe("authentication: a SIWE session holding OPERATOR_ROLE now", () => {
    it("answers 401 without a session, on plans, the relay and reads", async () => {
      await expectError(
        call("POST", "/v1/o2c/ledger/pause", undefined, null),
        401,
        "UNAUTHENTICATED",
      );
      await expectError(
        call("POST", "/v1/o2c/transactions", { rawTransaction: "0x00" }, null),
        401,
        "UNAUTHENTICATED",
      );
      await expectError(call("GET", "/v1/o2c/quotas", undefined, null), 401, "UNAUTHENTICATED");
      await expectError(
        call("GET", "/v1/o2c/sources/1", undefined, "forged-token-0123456789"),
        401,
        "UNAUTHENTICATED",
      );
    });

    it("answers 403 OPERATOR_ROLE_REQUIRED to the session of a non-operator", async () => {
      const userToken = await h.signIn(h.fx.user);
      await expectError(
        call("POST", "/v1/o2c/ledger/pause", undefined, userToken),
        403,
        "OPERATOR_ROLE_REQUIRED",
      );
      await expectError(
        call("GET", "/v1/o2c/roles/operator", undefined, userToken),
        403,
        "OPERATOR_ROLE_REQUIRED",
      );
      await expectError(
        call("PUT", "/v1/o2c/quotas/1", { records: 0, periodSec: 60 }, userToken),
        403,
        "OPERATOR_ROLE_REQUIRED",
      );
      expect(await gatewayQuotas()).to.deep.equal([]);
    });

    it("answers 403 once the operator's role is revoked, though the session is still open", async () => {
      const other = new Wallet(generatePrivateKey());
      await (await h.fx.ledger.connect(h.fx.admin).grantRole(OPERATOR_ROLE, other.address)).wait();
      const otherToken = await h.signIn(other);
      expect(
        (await call("GET", "/v1/o2c/roles/operator", undefined, otherToken)).body.holders,
      ).to.include(other.address);
      await (await h.fx.ledger.connect(h.fx.admin).revokeRole(OPERATOR_ROLE, other.address)).wait();
      await expectError(
        call("GET", "/v1/o2c/roles/operator", undefined, otherToken),
        403,
        "OPERATOR_ROLE_REQUIRED",
      );
      await expectError(
        call("POST", "/v1/o2c/ledger/pause", undefined, otherToken),
        403,
        "OPERATOR_ROLE_REQUIRED",
      );
    });
  });

  describe("the relay refuses, with its code and nothing mined", () => {
    let plan: { to: string; data: string; chainId: string };
    before(async () => {
      plan = (await call("POST", "/v1/o2c/sources/1/reactivate")).body;
      expect(plan.data).to.match(/^0x/);
    });

    const refused = async (rawTransaction: string, status: number, code: string) => {
      const mark = await chainMark();
      await expectError(call("POST", "/v1/o2c/transactions", { rawTransaction }), status, code);
      expect(await chainMark()).to.equal(mark);
      expect((await h.fx.ledger.getSource(1n)).status).to.equal(SUSPENDED);
    };

    it("a transaction signed by another account than the session's", async () => {
      const someoneElse = new Wallet(generatePrivateKey());
      await fund(someoneElse.address);
      await refused(await sign(plan, someoneElse), 403, "TX_SIGNER_NOT_SESSION");
    });

    it("a transaction to another contract than the ledger or the access registry", async () => {
      await refused(
        await sign(plan, operator, { to: await h.fx.judge.getAddress() }),
        400,
        "TX_TARGET_REFUSED",
      );
      await refused(
        await sign(plan, operator, { to: h.accessAddress }),
        400,
        "TX_FUNCTION_REFUSED",
      );
    });

    it("a call of a function that is no control function", async () => {
      const data = DataLedger__factory.createInterface().encodeFunctionData(
        "beginDefaultAdminTransfer",
        [operator.address],
      );
      await refused(await sign({ ...plan, data }), 400, "TX_FUNCTION_REFUSED");
      const transfer = new Interface(["function transfer(address,uint256)"]).encodeFunctionData(
        "transfer",
        [operator.address, 1n],
      );
      await refused(await sign({ ...plan, data: transfer }), 400, "TX_FUNCTION_REFUSED");
    });

    it("a transaction for another chain id, one carrying value, and bytes that are no transaction", async () => {
      await refused(await sign(plan, operator, { chainId: 1n }), 400, "TX_CHAIN_MISMATCH");
      await refused(await sign(plan, operator, { value: 1n }), 400, "TX_VALUE_REFUSED");
      await refused("0x02deadbeef", 400, "TX_MALFORMED");
    });

    it("a replay of a transaction already mined", async () => {
      const { rawTransaction } = await planAndSend("/v1/o2c/datasets", {
        uri: "ipfs://replayed",
        sourceIds: [],
        formatIds: [],
      });
      // createDataset may be repeated, so simulation passes; the node refuses the used nonce.
      await refused(rawTransaction, 409, "TX_REJECTED_BY_NODE");
    });

    it("a control call the suite would refuse now, with its ControlRevertError code", async () => {
      const suspend = (await call("POST", "/v1/o2c/sources/2/suspend", {})).body;
      await planAndSend("/v1/o2c/sources/2/suspend", {});
      // Signed before the state changed: the relay simulates it first and spends no gas.
      await refused(await sign(suspend), 409, "SOURCE_INVALID_STATUS");
      await planAndSend("/v1/o2c/sources/2/reactivate");
    });
  });

  describe("a race: two operators' changes mined in one block", () => {
    it("answers the loser's receipt as reverted, with its ControlRevertError code", async () => {
      const other = new Wallet(generatePrivateKey());
      await fund(other.address);
      await (await h.fx.ledger.connect(h.fx.admin).grantRole(OPERATOR_ROLE, other.address)).wait();
      const otherToken = await h.signIn(other);
      const mine = (await call("POST", "/v1/o2c/sources/2/suspend", {})).body;
      const theirs = (await call("POST", "/v1/o2c/sources/2/suspend", {}, otherToken)).body;
      const [rawMine, rawTheirs] = [await sign(mine), await sign(theirs, other)];
      // Both pass simulation on the same state, then land in the same block.
      await h.connection.provider.request({ method: "evm_setAutomine", params: [false] });
      try {
        const relays = [
          call("POST", "/v1/o2c/transactions", { rawTransaction: rawMine }),
          call("POST", "/v1/o2c/transactions", { rawTransaction: rawTheirs }, otherToken),
        ];
        await waitFor(
          async () =>
            (
              (await h.connection.provider.request({
                method: "eth_getBlockByNumber",
                params: ["pending", false],
              })) as { transactions: unknown[] }
            ).transactions.length === 2,
        );
        await h.connection.provider.request({ method: "evm_mine", params: [] });
        const [a, b] = await Promise.all(relays);
        expect([a.status, b.status]).to.deep.equal([200, 200]);
        expect(a.body.blockNumber).to.equal(b.body.blockNumber);
        const statuses = [a.body.status, b.body.status].sort();
        expect(statuses).to.deep.equal(["reverted", "success"]);
        const loser = a.body.status === "reverted" ? a.body : b.body;
        expect(loser.events).to.deep.equal([]);
        expect(loser.revert.code).to.equal("SOURCE_INVALID_STATUS");
      } finally {
        await h.connection.provider.request({ method: "evm_setAutomine", params: [true] });
      }
      await planAndSend("/v1/o2c/sources/2/reactivate");
    });
  });

  describe("the off-chain path: C2R to the gateway, C2S to the service", () => {
    it("sets, lists and removes a quota on the real gateway", async () => {
      const set = await call("PUT", "/v1/o2c/quotas/1", { records: 5, periodSec: 60 });
      expect(set.status, JSON.stringify(set.body)).to.equal(200);
      expect(set.body).to.include({ sourceId: "1", records: 5, periodSec: 60, used: 0 });
      // The gateway itself holds it now, in force without a restart.
      expect(await gatewayQuotas()).to.have.length(1);
      expect((await call("GET", "/v1/o2c/quotas")).body.quotas[0]).to.include({ sourceId: "1" });
      expect((await call("DELETE", "/v1/o2c/quotas/1")).status).to.equal(204);
      expect((await call("GET", "/v1/o2c/quotas")).body.quotas).to.deep.equal([]);
      await expectError(
        call("PUT", "/v1/o2c/quotas/1", { records: -1, periodSec: 60 }),
        400,
        "VALIDATION_FAILED",
      );
    });

    it("changes the gateway's batching settings, and resets them", async () => {
      const patched = await call("PATCH", "/v1/o2c/gateway/settings", { maxBlockSize: 8 });
      expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
      expect(patched.body.settings.maxBlockSize).to.equal(8);
      expect(patched.body.overridden).to.deep.equal(["maxBlockSize"]);
      expect((await call("GET", "/v1/o2c/gateway/settings")).body.settings.maxBlockSize).to.equal(
        8,
      );
      await call("PATCH", "/v1/o2c/gateway/settings", { maxBlockSize: null });
      expect((await call("GET", "/v1/o2c/gateway/settings")).body.overridden).to.deep.equal([]);
    });

    it("answers 503 CONTROL_UNAVAILABLE on a service started without a gateway", async () => {
      const bare = createServiceApp({
        db: h.db,
        m2s: h.m2s,
        blobs: h.blobs,
        provider: h.provider,
        ledgerAddress: h.ledgerAddress,
        accessAddress: h.accessAddress,
        siwe: { domain: SIWE_DOMAIN, uri: SIWE_URI, chainId: h.chainId },
        now: () => h.clock.now,
      });
      const bareApi = await OpenApiConformance.of(bare);
      const res = await bareApi.request("/v1/o2c/quotas", {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).to.equal(503);
      expect((res.body as { error: { code: string } }).error.code).to.equal("CONTROL_UNAVAILABLE");
    });

    it("changes the service's own session lifetime for the next sign-in (C2S)", async () => {
      expect((await call("GET", "/v1/o2c/service/settings")).body).to.deep.equal({
        sessionTtlSeconds: 600,
      });
      const patched = await call("PATCH", "/v1/o2c/service/settings", { sessionTtlSeconds: 120 });
      expect(patched.body).to.deep.equal({ sessionTtlSeconds: 120 });
      const message = await h.siweMessage(h.fx.user);
      const signedIn = await h.request("/v1/auth/verify", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message, signature: await h.fx.user.signMessage(message) }),
      });
      expect(signedIn.body.expiresAt).to.equal(h.clock.now + 120_000);
      await expectError(
        call("PATCH", "/v1/o2c/service/settings", { sessionTtlSeconds: 1 }),
        400,
        "VALIDATION_FAILED",
      );
      await call("PATCH", "/v1/o2c/service/settings", { sessionTtlSeconds: 600 });
    });
  });

  describe("reads, the configuration check, and the OpenAPI document", () => {
    it("checks the configuration, reporting what is wrong with its code", async () => {
      const clean = await call("GET", "/v1/o2c/config/check");
      expect(clean.status, JSON.stringify(clean.body)).to.equal(200);
      const before = clean.body.findings.length;
      await planAndSend("/v1/o2c/ledger/pause");
      const paused = await call("GET", "/v1/o2c/config/check");
      expect(paused.body.ok).to.equal(false);
      expect(paused.body.findings.map((f: { code: string }) => f.code)).to.include("LEDGER_PAUSED");
      expect(paused.body.findings).to.have.length(before + 1);
      await planAndSend("/v1/o2c/ledger/unpause");
    });

    it("refuses a format whose URI does not serve the document of its hash", async () => {
      const schema = toBytes(JSON.stringify({ title: "o2c-format", type: "object" }));
      const schemaHash = await h.blobs.put(schema);
      const uri = `blob:${schemaHash}`;
      const body = { schemaHash, name: "o2c-format", version: "1.0.0", uri };
      await expectError(
        call("POST", "/v1/o2c/formats", { ...body, uri: `blob:${h.fx.formatId}` }),
        409,
        "FORMAT_DOCUMENT_UNAVAILABLE",
      );
      const other = await h.blobs.put(toBytes(JSON.stringify({ title: "other" })));
      await expectError(
        call("POST", "/v1/o2c/formats", { ...body, uri: `blob:${other}` }),
        409,
        "FORMAT_DOCUMENT_MISMATCH",
      );
      const sent = await planAndSend("/v1/o2c/formats", body);
      expect(sent.events.map((e: { name: string }) => e.name)).to.include("FormatRegistered");
      expect((await call("GET", `/v1/o2c/formats/${schemaHash}`)).body.status).to.equal("active");
    });

    it("plans every other control operation, each documented and answered as documented", async () => {
      const { fx } = h;
      const created = await planAndSend("/v1/o2c/datasets", {
        uri: "ipfs://d",
        sourceIds: [],
        formatIds: [],
      });
      const datasetId = created.events.find((e: { name: string }) => e.name === "DatasetCreated")
        .args.datasetId as string;
      const expiresAt = (await h.chainNow()) + 3600;
      await planAndSend(`/v1/o2c/datasets/${datasetId}/grants`, {
        user: fx.user.address,
        expiresAt,
      });
      const device = privateKeyToAccount(generatePrivateKey());
      const next = privateKeyToAccount(generatePrivateKey());
      const plans: [string, unknown?][] = [
        [
          "/v1/o2c/sources",
          {
            signer: device.address,
            owner: fx.sourceOwner.address,
            metadataURI: "ipfs://o2c-device",
            formatIds: [fx.formatId],
            keyProof: await keyProof(fx.ledger, device, fx.sourceOwner.address),
          },
        ],
        ["/v1/o2c/sources/2/revoke", { reasonCode: 1 }],
        [
          "/v1/o2c/sources/2/rotate-key",
          {
            newSigner: next.address,
            keyProof: await keyProof(fx.ledger, next, fx.sourceOwner.address),
          },
        ],
        ["/v1/o2c/sources/2/formats", { formatIds: [fx.otherFormatId], allowed: false }],
        [`/v1/o2c/formats/${fx.otherFormatId}/deprecate`],
        [`/v1/o2c/datasets/${datasetId}/sources`, { sourceIds: ["2"], included: true }],
        [`/v1/o2c/datasets/${datasetId}/formats`, { formatIds: [fx.formatId], included: true }],
        [`/v1/o2c/datasets/${datasetId}/transfer`, { newOwner: fx.datasetOwner.address }],
        [`/v1/o2c/datasets/${datasetId}/grants/${fx.user.address}/revoke`],
        ["/v1/o2c/roles/gateway/grant", { account: fx.stranger.address }],
        ["/v1/o2c/roles/gateway/revoke", { account: fx.gateway.address }],
      ];
      for (const [path, body] of plans) {
        const plan = await call("POST", path, body);
        expect(plan.status, `${path}: ${JSON.stringify(plan.body)}`).to.equal(200);
        expect(plan.body.from).to.equal(operator.address);
      }
      const unchanged = await call("POST", "/v1/o2c/roles/gateway/grant", {
        account: fx.gateway.address,
      });
      expect(unchanged.body.unchanged).to.be.a("string");
      expect(unchanged.body).to.not.have.property("data");
      expect((await call("GET", `/v1/o2c/roles/gateway`)).body.holders).to.deep.equal([
        fx.gateway.address,
      ]);
    });

    it("documents every O2C route, and saw each of them succeed", async () => {
      const verdict = await api.validateDocument();
      expect(verdict.errors, JSON.stringify(verdict.errors, null, 2)).to.equal(undefined);
      expect(api.compileAll()).to.deep.equal([]);
      const o2c = Object.keys(api.document.paths).filter((p) => p.startsWith("/v1/o2c/"));
      expect(o2c.length).to.be.greaterThan(25);
      expect(api.neverSucceeded().filter((op) => op.includes(" /v1/o2c/"))).to.deep.equal([]);
    });
  });
});
