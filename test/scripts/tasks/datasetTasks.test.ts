import { expect } from "chai";
import { HDNodeWallet, keccak256, Mnemonic, toUtf8Bytes, Wallet } from "ethers";

import { DEV_MNEMONIC } from "../../../offchain/system/bootstrapLedger.js";
import {
  expectTaskError,
  expectTaskSuccess,
  setUpControlTasks,
  type ControlTaskFixture,
} from "../../helpers/controlTaskFixture.js";
import { keyProof } from "../../helpers/keyProof.js";

const DAY = 86_400;

/**
 * datasets:* and access:* through Hardhat's task runner against one Anvil deployment: datasets
 * are created, changed and handed over by their owner (the default signer when it is one of the
 * accounts), grants run until their expiry, and every refusal is one line with its code.
 */
describe("datasets:* and access:* tasks", function () {
  this.timeout(60_000);
  let fx: ControlTaskFixture;
  let formatId: string;
  let otherFormat: string;
  /** Account 5, made a second operator: the dataset's next owner. */
  let second: string;

  before(async () => {
    fx = await setUpControlTasks();
    const asOperator = fx.ledger.connect(fx.actors.operator);
    formatId = keccak256(toUtf8Bytes("a"));
    otherFormat = keccak256(toUtf8Bytes("b"));
    await (await asOperator.registerFormat(formatId, "a", "1", "blob:a", 0)).wait();
    await (await asOperator.registerFormat(otherFormat, "b", "1", "blob:b", 0)).wait();
    for (let i = 0; i < 3; i++) {
      const device = Wallet.createRandom();
      const proof = await keyProof(fx.ledger, device, fx.actors.operator);
      const owner = fx.actors.operator.address;
      await (
        await asOperator.registerSource(
          device.address,
          owner,
          keccak256("0x"),
          "u",
          [formatId],
          proof,
        )
      ).wait();
    }
    second = HDNodeWallet.fromMnemonic(
      Mnemonic.fromPhrase(DEV_MNEMONIC),
      "m/44'/60'/0'/0/5",
    ).address;
    const asAdmin = fx.ledger.connect(fx.actors.admin);
    await (await asAdmin.grantRole(await fx.ledger.OPERATOR_ROLE(), second)).wait();
  });
  after(async () => fx?.close());

  it("--dry-run of datasets:create sends nothing", async () => {
    const mark = await fx.chainMark();
    const create = await fx.run("datasets:create", {
      uri: "urn:dataset:dry",
      sources: "1",
      formats: formatId,
      dryRun: true,
      json: true,
    });
    expectTaskSuccess(create);
    const call = create.json<{ transaction: { to: string; function: string } }>().transaction;
    expect(call.to).to.equal(await fx.access.getAddress());
    expect(call.function).to.equal("createDataset(string,uint64[],bytes32[])");
    expect(await fx.chainMark()).to.equal(mark);
    expect(await fx.access.datasetCount()).to.equal(0n);
  });

  it("datasets:create, add/remove sources and formats, show: the dataset holds what the commands said", async () => {
    const run = await fx.run("datasets:create", {
      uri: "urn:dataset:air",
      sources: "1,2",
      formats: formatId,
      json: true,
    });
    expectTaskSuccess(run);
    expect(run.json<{ outcome: { datasetId: string } }>().outcome.datasetId).to.equal("1");
    const [owner, uri] = await fx.access.getDataset(1n);
    expect(owner).to.equal(fx.actors.operator.address);
    expect(uri).to.equal("urn:dataset:air");
    expect(await fx.access.datasetIncludesSource(1n, 2n)).to.equal(true);

    expectTaskSuccess(await fx.run("datasets:add-sources", { datasetId: "1", sources: "3" }));
    expectTaskSuccess(await fx.run("datasets:remove-sources", { datasetId: "1", sources: "1" }));
    expectTaskSuccess(
      await fx.run("datasets:add-formats", { datasetId: "1", formats: otherFormat }),
    );
    expectTaskSuccess(
      await fx.run("datasets:remove-formats", { datasetId: "1", formats: formatId }),
    );
    expect(await fx.access.datasetIncludesSource(1n, 1n)).to.equal(false);
    expect(await fx.access.datasetIncludesSource(1n, 3n)).to.equal(true);
    expect(await fx.access.datasetIncludesFormat(1n, formatId)).to.equal(false);

    const show = await fx.run("datasets:show", { datasetId: "1", json: true });
    expectTaskSuccess(show);
    const view = show.json<{ owner: string; sourceIds: string[]; formatIds: string[] }>();
    expect(view.owner).to.equal(fx.actors.operator.address);
    expect(view.sourceIds).to.have.members(["2", "3"]);
    expect(view.formatIds).to.deep.equal([otherFormat]);
  });

  it("access:grant --expires 30d (and its --dry-run), access:list, access:revoke: the grant is live, then ended", async () => {
    const user = fx.actors.user.address;
    const dry = await fx.chainMark();
    expectTaskSuccess(
      await fx.run("access:grant", { datasetId: "1", user, expires: "30d", dryRun: true }),
    );
    expect(await fx.chainMark()).to.equal(dry);
    expect(await fx.access.grantExpiry(1n, user)).to.equal(0n);

    const before = await fx.provider.getBlock("latest");
    const run = await fx.run("access:grant", { datasetId: "1", user, expires: "30d" });
    expectTaskSuccess(run);
    expect(await fx.access.grantExpiry(1n, user)).to.equal(BigInt(before!.timestamp + 30 * DAY));
    expect(await fx.access.hasAccess(1n, user)).to.equal(true);

    const list = await fx.run("access:list", { datasetId: "1", json: true });
    expectTaskSuccess(list);
    expect(list.json<{ grants: unknown[] }>().grants).to.deep.equal([
      { user, expiresAt: String(before!.timestamp + 30 * DAY), live: true },
    ]);

    const mark = await fx.chainMark();
    expectTaskSuccess(await fx.run("access:revoke", { datasetId: "1", user, dryRun: true }));
    expect(await fx.chainMark()).to.equal(mark);
    expect(await fx.access.hasAccess(1n, user)).to.equal(true);

    expectTaskSuccess(await fx.run("access:revoke", { datasetId: "1", user }));
    expect(await fx.access.hasAccess(1n, user)).to.equal(false);
    const after = await fx.run("access:list", { datasetId: "1" });
    expect(after.stdout).to.deep.equal([`${user} ended`]);
    // An ISO date works too.
    const iso = new Date((before!.timestamp + 2 * DAY) * 1000).toISOString();
    expectTaskSuccess(await fx.run("access:grant", { datasetId: "1", user, expires: iso }));
    expect(await fx.access.grantExpiry(1n, user)).to.equal(BigInt(before!.timestamp + 2 * DAY));
  });

  it("datasets:transfer hands the dataset over; its new owner is then the default signer", async () => {
    const run = await fx.run("datasets:transfer", { datasetId: "1", to: second });
    expectTaskSuccess(run);
    expect((await fx.access.getDataset(1n))[0]).to.equal(second);
    const add = await fx.run("datasets:add-sources", { datasetId: "1", sources: "1" });
    expectTaskSuccess(add);
    expect(add.stdout[0]).to.include(
      `signer ${second} (account 5, the first that holds the dataset's ownership`,
    );
    expect(await fx.access.datasetIncludesSource(1n, 1n)).to.equal(true);
  });

  it("refuses a wrong role or owner, unknown ids and accounts, and bad arguments with one line each, and changes nothing", async () => {
    const user = fx.actors.user.address;
    const mark = await fx.chainMark();
    const cases: [string, Record<string, unknown>, string][] = [
      ["datasets:create", { uri: "u", signer: "4" }, "ROLE_REQUIRED"],
      ["datasets:create", { uri: "u", sources: "99" }, "SOURCE_UNKNOWN"],
      ["datasets:create", { uri: "u", formats: keccak256("0x01") }, "FORMAT_UNKNOWN"],
      ["datasets:create", { uri: "u", sources: "1,x" }, "ARGUMENT_INVALID"],
      ["datasets:create", {}, "TASK_MISSING_OPTION"],
      // The first operator no longer owns dataset 1.
      ["datasets:add-sources", { datasetId: "1", sources: "2", signer: "1" }, "DATASET_NOT_OWNER"],
      ["datasets:add-sources", { datasetId: "99", sources: "2" }, "DATASET_UNKNOWN"],
      ["datasets:show", { datasetId: "99" }, "DATASET_UNKNOWN"],
      ["datasets:transfer", { datasetId: "1", to: fx.actors.user.address }, "ACCOUNT_NOT_OPERATOR"],
      ["datasets:transfer", { datasetId: "1", to: second, signer: "4" }, "DATASET_NOT_OWNER"],
      ["datasets:transfer", { datasetId: "1", to: "0x12" }, "ARGUMENT_INVALID"],
      [
        "access:grant",
        { datasetId: "1", user: fx.actors.gateway.address, expires: "1d" },
        "ACCOUNT_NOT_USER",
      ],
      ["access:grant", { datasetId: "1", user, expires: "1" }, "ACCESS_INVALID_EXPIRY"],
      ["access:grant", { datasetId: "1", user, expires: "soon" }, "ARGUMENT_INVALID"],
      ["access:grant", { datasetId: "1", user }, "TASK_MISSING_OPTION"],
      ["access:revoke", { datasetId: "1", user: fx.actors.gateway.address }, "ACCESS_NO_GRANT"],
      ["access:list", { datasetId: "99" }, "DATASET_UNKNOWN"],
      // The ledger is not an access registry following itself.
      [
        "datasets:show",
        { datasetId: "1", accessRegistry: await fx.ledger.getAddress() },
        "ACCESS_REGISTRY_MISMATCH",
      ],
    ];
    for (const [id, args, code] of cases) expectTaskError(await fx.run(id, args), code);
    expect(await fx.chainMark()).to.equal(mark);
  });
});
