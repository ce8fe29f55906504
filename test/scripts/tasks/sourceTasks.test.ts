import { expect } from "chai";
import { keccak256, toUtf8Bytes, Wallet } from "ethers";

import { DataLedger__factory } from "../../../types/ethers-contracts/index.js";
import {
  expectTaskError,
  expectTaskSuccess,
  freshDevice,
  setUpControlTasks,
  type ControlTaskFixture,
} from "../../helpers/controlTaskFixture.js";

/**
 * sources:* through Hardhat's task runner against one Anvil deployment: each happy path changes
 * the chain as it says, --dry-run sends nothing (block and every actor's nonce unchanged), and
 * each refusal is one line with its stable code and changes nothing.
 */
describe("sources:* tasks", function () {
  this.timeout(60_000);
  let fx: ControlTaskFixture;
  let formatId: string;
  const ACTIVE = 1n;
  const SUSPENDED = 2n;
  const REVOKED = 3n;

  before(async () => {
    fx = await setUpControlTasks();
    formatId = keccak256(toUtf8Bytes('{"type":"object"}'));
    await (
      await fx.ledger.connect(fx.actors.operator).registerFormat(formatId, "f", "1", "blob:x", 0)
    ).wait();
  });
  after(async () => fx?.close());

  /** Registers a fresh device through the task and returns its id and key. */
  async function register(extra: Record<string, unknown> = {}) {
    const device = freshDevice();
    process.env.TEST_DEVICE_KEY = device.privateKey;
    const run = await fx.run("sources:register", {
      deviceKeyVar: "TEST_DEVICE_KEY",
      metadataUri: "urn:dev:t",
      formats: formatId,
      json: true,
      ...extra,
    });
    expectTaskSuccess(run);
    return {
      device,
      sourceId: BigInt(run.json<{ outcome: { sourceId: string } }>().outcome.sourceId),
    };
  }

  it("sources:register binds a device key (signed from --device-key-var) to a new source the operator owns", async () => {
    const before = await fx.ledger.sourceCount();
    const { device, sourceId } = await register({ metadataHash: keccak256("0x01") });
    expect(sourceId).to.equal(before + 1n);
    const source = await fx.ledger.getSource(sourceId);
    expect(source.signer).to.equal(device.address);
    expect(source.owner).to.equal(fx.actors.operator.address);
    expect(source.status).to.equal(ACTIVE);
    expect(source.metadataHash).to.equal(keccak256("0x01"));
    expect(await fx.ledger.isFormatAllowed(sourceId, formatId)).to.equal(true);
    expect(await fx.ledger.isActiveSource(device.address)).to.equal(true);
  });

  it("sources:key-proof on the device, then sources:register --device --key-proof: the key never reaches the operator", async () => {
    const device = freshDevice();
    process.env.TEST_DEVICE_KEY = device.privateKey;
    const proof = await fx.run("sources:key-proof", {
      deviceKeyVar: "TEST_DEVICE_KEY",
      owner: fx.actors.operator.address,
      json: true,
    });
    expectTaskSuccess(proof);
    const { keyProof } = proof.json<{ keyProof: string }>();
    delete process.env.TEST_DEVICE_KEY;
    const run = await fx.run("sources:register", {
      device: device.address,
      keyProof,
      metadataUri: "urn:dev:p",
      formats: formatId,
    });
    expectTaskSuccess(run);
    expect(run.stdout[0]).to.include(
      `signer ${fx.actors.operator.address} (account 1, the first that holds operator`,
    );
    expect(run.stdout[1]).to.match(/^registered source \d+ \(tx 0x[0-9a-f]{64}\)$/);
    expect(await fx.ledger.isActiveSource(device.address)).to.equal(true);
  });

  it("--dry-run prints the call and its signer, and sends nothing", async () => {
    const device = freshDevice();
    process.env.TEST_DEVICE_KEY = device.privateKey;
    const mark = await fx.chainMark();
    const run = await fx.run("sources:register", {
      deviceKeyVar: "TEST_DEVICE_KEY",
      metadataUri: "urn:dev:dry",
      formats: formatId,
      dryRun: true,
      json: true,
    });
    expectTaskSuccess(run);
    const report = run.json<{
      dryRun: boolean;
      transaction: { to: string; from: string; function: string; data: string };
    }>();
    expect(report.dryRun).to.equal(true);
    expect(report.transaction.to).to.equal(await fx.ledger.getAddress());
    expect(report.transaction.from).to.equal(fx.actors.operator.address);
    expect(report.transaction.function).to.equal(
      "registerSource(address,address,bytes32,string,bytes32[],bytes)",
    );
    const decoded = DataLedger__factory.createInterface().decodeFunctionData(
      "registerSource",
      report.transaction.data,
    );
    expect(decoded[0]).to.equal(device.address);
    expect(await fx.chainMark()).to.equal(mark);
    expect(await fx.ledger.sourceIdOf(device.address)).to.equal(0n);

    const text = await fx.run("sources:suspend", { sourceId: "1", dryRun: true });
    expectTaskSuccess(text);
    expect(text.stdout[1]).to.equal(
      "dry run, nothing sent: DataLedger.suspendSource(uint64,uint16)",
    );
    expect(text.stdout.join("\n")).to.match(/calldata 0x[0-9a-f]+/);
    expect(await fx.chainMark()).to.equal(mark);
    expect((await fx.ledger.getSource(1n)).status).to.equal(ACTIVE);
  });

  it("suspend, reactivate, revoke move the source's status; the registry's refusals come back as codes", async () => {
    const { device, sourceId } = await register();
    const id = String(sourceId);
    expectTaskSuccess(await fx.run("sources:suspend", { sourceId: id, reason: "7" }));
    expect((await fx.ledger.getSource(sourceId)).status).to.equal(SUSPENDED);
    expect(await fx.ledger.isActiveSource(device.address)).to.equal(false);

    const mark = await fx.chainMark();
    expectTaskError(await fx.run("sources:suspend", { sourceId: id }), "SOURCE_INVALID_STATUS");
    expectTaskSuccess(await fx.run("sources:reactivate", { sourceId: id }));
    expect((await fx.ledger.getSource(sourceId)).status).to.equal(ACTIVE);
    expectTaskError(await fx.run("sources:reactivate", { sourceId: id }), "SOURCE_INVALID_STATUS");

    expectTaskSuccess(await fx.run("sources:revoke", { sourceId: id }));
    expect((await fx.ledger.getSource(sourceId)).status).to.equal(REVOKED);
    expect(Number((await fx.chainMark()).split(":")[0])).to.equal(Number(mark.split(":")[0]) + 2);
  });

  it("sources:rotate-key binds the new key; the old one stops authenticating", async () => {
    const { device, sourceId } = await register();
    const next = freshDevice();
    process.env.TEST_NEXT_KEY = next.privateKey;
    const run = await fx.run("sources:rotate-key", {
      sourceId: String(sourceId),
      deviceKeyVar: "TEST_NEXT_KEY",
    });
    expectTaskSuccess(run);
    expect((await fx.ledger.getSource(sourceId)).signer).to.equal(next.address);
    expect(await fx.ledger.isActiveSource(device.address)).to.equal(false);
    expect(await fx.ledger.isActiveSource(next.address)).to.equal(true);
  });

  it("sources:rotate-key by the source's owner, who holds no role; a stranger gets SOURCE_NOT_OWNER", async () => {
    // Accounts 5 and 6 of the development mnemonic: funded, no role.
    const [owner, stranger] = ["5", "6"];
    const signers = await fx.provider.listAccounts();
    const { sourceId } = await register({ owner: signers[5].address });
    const next = freshDevice();
    process.env.TEST_NEXT_KEY = next.privateKey;
    const args = { sourceId: String(sourceId), deviceKeyVar: "TEST_NEXT_KEY" };
    const mark = await fx.chainMark();
    expectTaskError(
      await fx.run("sources:rotate-key", { ...args, signer: stranger }),
      "SOURCE_NOT_OWNER",
    );
    expect(await fx.chainMark()).to.equal(mark);
    const run = await fx.run("sources:rotate-key", { ...args, signer: owner });
    expectTaskSuccess(run);
    expect((await fx.ledger.getSource(sourceId)).signer).to.equal(next.address);
  });

  it("sources:show prints the source and its allowed formats; allow/disallow-formats change them", async () => {
    const { device, sourceId } = await register();
    const id = String(sourceId);
    const other = keccak256(toUtf8Bytes('{"type":"array"}'));
    await (
      await fx.ledger.connect(fx.actors.operator).registerFormat(other, "g", "1", "blob:y", 0)
    ).wait();
    expectTaskSuccess(await fx.run("sources:allow-formats", { sourceId: id, formats: other }));
    expectTaskSuccess(
      await fx.run("sources:disallow-formats", { sourceId: id, formats: formatId }),
    );
    const run = await fx.run("sources:show", { sourceId: id, json: true });
    expectTaskSuccess(run);
    const view = run.json<{ signer: string; status: string; allowedFormats: string[] }>();
    expect(view.signer).to.equal(device.address);
    expect(view.status).to.equal("active");
    expect(view.allowedFormats).to.deep.equal([other]);
    expect(await fx.ledger.isFormatAllowed(sourceId, formatId)).to.equal(false);
  });

  it("refuses a wrong role, an unknown id, a bad proof and bad arguments with one line each, and changes nothing", async () => {
    const { device: bound } = await register();
    process.env.TEST_BOUND_KEY = bound.privateKey;
    const device = freshDevice();
    process.env.TEST_UNBOUND_KEY = device.privateKey;
    const registerArgs = {
      deviceKeyVar: "TEST_UNBOUND_KEY",
      metadataUri: "urn:x",
      formats: formatId,
    };
    const strangerProof = await fx.run("sources:key-proof", {
      deviceKeyVar: "TEST_UNBOUND_KEY",
      owner: Wallet.createRandom().address,
      json: true,
    });
    const mark = await fx.chainMark();
    const cases: [string, Record<string, unknown>, string][] = [
      // The admin (account 0) and the data user (4) are not operators.
      ["sources:register", { ...registerArgs, signer: "0" }, "ROLE_REQUIRED"],
      ["sources:suspend", { sourceId: "1", signer: "4" }, "ROLE_REQUIRED"],
      ["sources:suspend", { sourceId: "999" }, "SOURCE_UNKNOWN"],
      ["sources:show", { sourceId: "999" }, "SOURCE_UNKNOWN"],
      [
        "sources:rotate-key",
        { sourceId: "999", deviceKeyVar: "TEST_UNBOUND_KEY" },
        "SOURCE_UNKNOWN",
      ],
      // A proof the device made for another owner binds nothing.
      [
        "sources:register",
        {
          metadataUri: "urn:x",
          device: device.address,
          keyProof: strangerProof.json<{ keyProof: string }>().keyProof,
        },
        "SOURCE_KEY_PROOF_INVALID",
      ],
      [
        "sources:register",
        { ...registerArgs, deviceKeyVar: "TEST_BOUND_KEY" },
        "SOURCE_KEY_ALREADY_BOUND",
      ],
      ["sources:register", { ...registerArgs, formats: keccak256("0x99") }, "FORMAT_UNKNOWN"],
      ["sources:register", { ...registerArgs, formats: "0x12" }, "ARGUMENT_INVALID"],
      ["sources:register", { ...registerArgs, metadataUri: undefined }, "TASK_MISSING_OPTION"],
      ["sources:register", { ...registerArgs, deviceKeyFile: "k" }, "TASK_CONFLICTING_OPTIONS"],
      [
        "sources:register",
        { ...registerArgs, deviceKeyVar: "UNSET_DEVICE_KEY" },
        "DEVICE_KEY_NOT_FOUND",
      ],
      ["sources:suspend", { sourceId: "0" }, "ARGUMENT_INVALID"],
      ["sources:suspend", { sourceId: "1", reason: "70000" }, "ARGUMENT_INVALID"],
      ["sources:suspend", {}, "TASK_MISSING_OPTION"],
    ];
    for (const [id, args, code] of cases) expectTaskError(await fx.run(id, args), code);
    expect(await fx.chainMark()).to.equal(mark);
    expect(await fx.ledger.sourceIdOf(device.address)).to.equal(0n);
  });
});
