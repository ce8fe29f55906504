import { expect } from "chai";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";

import {
  parseExpiry,
  parseId,
  parseList,
  parseUint,
} from "../../../offchain/control/controlArguments.js";
import { sendPlan } from "../../../offchain/control/controlPlan.js";
import { decodeRevert, revertDataOf } from "../../../offchain/control/ControlRevertError.js";
import { planRoleChange } from "../../../offchain/control/ledgerOperations.js";
import {
  planRegisterSource,
  planSuspendSource,
} from "../../../offchain/control/sourceOperations.js";
import {
  AccessRegistry__factory,
  DataLedger__factory,
} from "../../../types/ethers-contracts/index.js";
import { setUpControlTasks, type ControlTaskFixture } from "../../helpers/controlTaskFixture.js";
import { expectCode } from "../../helpers/expectCode.js";
import { keyProof } from "../../helpers/keyProof.js";

/**
 * offchain/control's plans without the CLI, as the O2C HTTP API will use them: a plan is
 * checked for one signer and sent by that signer only, a refusal is decoded the same way whether
 * the simulation or the chain says it, and arguments are refused before anything is read.
 */
describe("offchain/control: control plans", function () {
  this.timeout(60_000);
  let fx: ControlTaskFixture;
  let ctx: { provider: ControlTaskFixture["provider"]; ledger: string; from: string };
  let sourceId: bigint;

  before(async () => {
    fx = await setUpControlTasks();
    ctx = {
      provider: fx.provider,
      ledger: await fx.ledger.getAddress(),
      from: fx.actors.operator.address,
    };
    const formatId = keccak256(toUtf8Bytes("f"));
    await (
      await fx.ledger.connect(fx.actors.operator).registerFormat(formatId, "f", "1", "u", 0)
    ).wait();
    const device = Wallet.createRandom();
    const plan = await planRegisterSource(ctx, {
      signer: device.address,
      owner: fx.actors.operator.address,
      metadataURI: "urn:x",
      formatIds: [formatId],
      keyProof: await keyProof(fx.ledger, device, fx.actors.operator),
    });
    sourceId = (await sendPlan(plan, fx.actors.operator))!.outcome.sourceId;
  });
  after(async () => fx?.close());

  it("a plan races another operator: the chain's refusal is decoded like the simulation's", async () => {
    const plan = await planSuspendSource(ctx, { sourceId, reasonCode: 0n });
    // Someone else suspends first, between the check and the send.
    await (await fx.ledger.connect(fx.actors.operator).suspendSource(sourceId, 1)).wait();
    const error = await expectCode(sendPlan(plan, fx.actors.operator), "SOURCE_INVALID_STATUS");
    expect(error.details?.error).to.equal("SourceRegistryInvalidStatus");
    await (await fx.ledger.connect(fx.actors.operator).reactivateSource(sourceId)).wait();
  });

  it("a plan checked for one account is not sent by another", async () => {
    const plan = await planSuspendSource(ctx, { sourceId, reasonCode: 0n });
    const mark = await fx.chainMark();
    await expectCode(sendPlan(plan, fx.actors.supervisor), "CONTROL_SIGNER_MISMATCH");
    expect(await fx.chainMark()).to.equal(mark);
  });

  it("an unchanged plan sends nothing; a simulated refusal names the role by name", async () => {
    const plan = await planRoleChange(ctx, {
      action: "grant",
      role: "gateway",
      account: fx.actors.gateway.address,
    });
    expect(plan.call).to.equal(undefined);
    const mark = await fx.chainMark();
    expect(await sendPlan(plan, fx.actors.operator)).to.equal(undefined);
    expect(await fx.chainMark()).to.equal(mark);

    const asAdmin = { ...ctx, from: fx.actors.admin.address };
    const error = await expectCode(
      planSuspendSource(asAdmin, { sourceId, reasonCode: 0n }),
      "ROLE_REQUIRED",
    );
    expect(error.details?.args).to.deep.equal([fx.actors.admin.address, "operator"]);
  });

  it("decodes every contract's errors, unknown data included", () => {
    const ledger = DataLedger__factory.createInterface();
    const access = AccessRegistry__factory.createInterface();
    expect(
      decodeRevert(access.encodeErrorResult("AccessRegistryNotAUser", [ctx.from])).code,
    ).to.equal("ACCOUNT_NOT_USER");
    // Not in the table: the error's name, in SCREAMING_CASE.
    const unknownRecord = ledger.encodeErrorResult("DataRegistryUnknownRecord", [keccak256("0x")]);
    expect(decodeRevert(unknownRecord).code).to.equal("DATA_REGISTRY_UNKNOWN_RECORD");
    expect(decodeRevert("0xdeadbeef").code).to.equal("LEDGER_REVERTED");
    expect(decodeRevert("0x").shortMessage).to.include("no reason given");
  });

  it("finds revert data however a client nests it, and nothing in other failures", () => {
    expect(revertDataOf({ code: "CALL_EXCEPTION", data: "0x1234" })).to.equal("0x1234");
    expect(revertDataOf({ error: { code: 3, data: "0xabcd" } })).to.equal("0xabcd");
    expect(revertDataOf({ info: { error: { code: 3, data: "0x01" } } })).to.equal("0x01");
    expect(revertDataOf({ cause: { code: "CALL_EXCEPTION" } })).to.equal("0x");
    expect(revertDataOf(new Error("ECONNREFUSED"))).to.equal(undefined);
    expect(revertDataOf({ code: "NETWORK_ERROR", data: "0x12" })).to.equal(undefined);
  });

  it("parses arguments strictly", async () => {
    const now = 1_700_000_000n;
    expect(parseExpiry("--expires", "30d", now)).to.equal(now + 30n * 86_400n);
    expect(parseExpiry("--expires", "90m", now)).to.equal(now + 5_400n);
    expect(parseExpiry("--expires", "1800000000", now)).to.equal(1_800_000_000n);
    expect(parseExpiry("--expires", "2027-01-01T00:00:00Z", now)).to.equal(1_798_761_600n);
    for (const bad of ["soon", "30y", "-5", "2027-13", "1e9"]) {
      await expectCode(() => parseExpiry("--expires", bad, now), "ARGUMENT_INVALID");
    }
    await expectCode(() => parseExpiry("--expires", String(2n ** 48n), now), "ARGUMENT_INVALID");
    expect(parseUint("--reason", "65535", 16)).to.equal(65_535n);
    await expectCode(() => parseUint("--reason", "65536", 16), "ARGUMENT_INVALID");
    await expectCode(() => parseId("--source-id", "0"), "ARGUMENT_INVALID");
    expect(parseList("--sources", "1, 2", parseId)).to.deep.equal([1n, 2n]);
    await expectCode(() => parseList("--sources", "1,,2", parseId), "ARGUMENT_INVALID");
  });
});
