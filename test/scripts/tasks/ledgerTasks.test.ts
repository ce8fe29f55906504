import { expect } from "chai";
import { Wallet } from "ethers";

import { controlTasks } from "../../../scripts/tasks/controlTasks.js";
import { runHardhatCli } from "../../helpers/runHardhatCli.js";
import {
  expectTaskError,
  expectTaskSuccess,
  setUpControlTasks,
  type ControlTaskFixture,
} from "../../helpers/controlTaskFixture.js";

/**
 * gateways:*, roles:list and ledger:* through Hardhat's task runner against one Anvil
 * deployment: the gateway role follows the commands, role holders are replayed from the ledger's
 * events, and the pause is the operators' and supervisors' to set and the operators' to lift.
 */
describe("gateways:*, roles:list and ledger:* tasks", function () {
  this.timeout(60_000);
  let fx: ControlTaskFixture;

  before(async () => {
    fx = await setUpControlTasks();
  });
  after(async () => fx?.close());

  const holders = async (role: string) => {
    const run = await fx.run("roles:list", { role, json: true });
    expectTaskSuccess(run);
    return run.json<{ holders: string[] }>().holders;
  };

  it("gateways:grant and gateways:revoke move the gateway role; roles:list follows; a repeat sends nothing", async () => {
    const gateway = Wallet.createRandom().address;
    const mark = await fx.chainMark();
    expectTaskSuccess(await fx.run("gateways:grant", { account: gateway, dryRun: true }));
    expect(await fx.chainMark()).to.equal(mark);
    expect(await holders("gateway")).to.deep.equal([fx.actors.gateway.address]);

    expectTaskSuccess(await fx.run("gateways:grant", { account: gateway }));
    const role = await fx.ledger.GATEWAY_ROLE();
    expect(await fx.ledger.hasRole(role, gateway)).to.equal(true);
    expect(await holders("gateway")).to.deep.equal([fx.actors.gateway.address, gateway]);

    const again = fx.chainMark();
    const repeat = await fx.run("gateways:grant", { account: gateway, json: true });
    expectTaskSuccess(repeat);
    expect(repeat.json<{ unchanged: string }>().unchanged).to.equal(
      `${gateway} already holds gateway`,
    );
    expect(await fx.chainMark()).to.equal(await again);

    expectTaskSuccess(await fx.run("gateways:revoke", { account: gateway }));
    expect(await fx.ledger.hasRole(role, gateway)).to.equal(false);
    expect(await holders("gateway")).to.deep.equal([fx.actors.gateway.address]);
    expect(await holders("operator")).to.deep.equal([fx.actors.operator.address]);
    expect(await holders("admin")).to.deep.equal([fx.actors.admin.address]);
    // --from-block starts the replay there: grants made before it are not seen.
    const later = String(await fx.provider.getBlockNumber());
    const none = await fx.run("roles:list", { role: "operator", fromBlock: later });
    expect(none.stdout).to.deep.equal(["nobody holds operator"]);
  });

  it("roles:grant and roles:revoke take --dry-run and --json too", async () => {
    const user = Wallet.createRandom().address;
    const mark = await fx.chainMark();
    const dry = await fx.run("roles:grant", {
      role: "user",
      account: user,
      dryRun: true,
      json: true,
    });
    expectTaskSuccess(dry);
    const report = dry.json<{ signer: { address: string }; transaction: { function: string } }>();
    expect(report.signer.address).to.equal(fx.actors.operator.address);
    expect(report.transaction.function).to.equal("grantRole(bytes32,address)");
    expect(await fx.chainMark()).to.equal(mark);
    // An operator cannot make operators, dry run or not: the admin does.
    const refused = await fx.run("roles:grant", {
      role: "operator",
      account: user,
      signer: "1",
      dryRun: true,
    });
    expectTaskError(refused, "ROLE_ADMIN_REQUIRED");
    expect(await fx.chainMark()).to.equal(mark);

    const run = await fx.run("roles:grant", { role: "user", account: user, json: true });
    expectTaskSuccess(run);
    expect(run.json<{ txHash: string }>().txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await fx.ledger.hasRole(await fx.ledger.USER_ROLE(), user)).to.equal(true);
    expectTaskSuccess(await fx.run("roles:revoke", { role: "user", account: user }));
    expect(await fx.ledger.hasRole(await fx.ledger.USER_ROLE(), user)).to.equal(false);
  });

  it("ledger:pause (operator or supervisor), ledger:unpause (operator only), ledger:status", async () => {
    const mark = await fx.chainMark();
    const dry = await fx.run("ledger:pause", { dryRun: true, json: true });
    expectTaskSuccess(dry);
    expect(dry.json<{ transaction: { function: string } }>().transaction.function).to.equal(
      "pause()",
    );
    expect(await fx.chainMark()).to.equal(mark);
    expect(await fx.ledger.paused()).to.equal(false);

    // The supervisor (account 2) may pause, not resume.
    expectTaskSuccess(await fx.run("ledger:pause", { signer: "2" }));
    expect(await fx.ledger.paused()).to.equal(true);
    const status = await fx.run("ledger:status", {});
    expectTaskSuccess(status);
    expect(status.stdout[0]).to.match(/: PAUSED$/);
    const paused = await fx.chainMark();
    expectTaskError(await fx.run("ledger:unpause", { signer: "2" }), "ROLE_REQUIRED");
    expectTaskError(await fx.run("ledger:pause", {}), "LEDGER_PAUSED");
    expect(await fx.chainMark()).to.equal(paused);

    const run = await fx.run("ledger:unpause", {});
    expectTaskSuccess(run);
    expect(run.stdout[0]).to.include(
      `signer ${fx.actors.operator.address} (account 1, the first that holds operator`,
    );
    expect(await fx.ledger.paused()).to.equal(false);
    expectTaskError(await fx.run("ledger:unpause", {}), "LEDGER_NOT_PAUSED");
  });

  it("refuses a wrong role and bad arguments with one line each, and changes nothing", async () => {
    const mark = await fx.chainMark();
    const account = Wallet.createRandom().address;
    const cases: [string, Record<string, unknown>, string][] = [
      // The admin administers operators and supervisors, not gateways.
      ["gateways:grant", { account, signer: "0" }, "ROLE_REQUIRED"],
      ["gateways:revoke", { account: fx.actors.gateway.address, signer: "4" }, "ROLE_REQUIRED"],
      ["ledger:pause", { signer: "4" }, "ROLE_REQUIRED"],
      ["gateways:grant", { account: "0x12" }, "ARGUMENT_INVALID"],
      ["gateways:grant", {}, "TASK_MISSING_OPTION"],
      ["gateways:grant", { account, signer: "99" }, "SIGNER_INDEX_OUT_OF_RANGE"],
      ["roles:list", { role: "root" }, "ROLE_UNKNOWN"],
      ["roles:list", {}, "TASK_MISSING_OPTION"],
      ["roles:list", { role: "user", fromBlock: "latest" }, "ARGUMENT_INVALID"],
      ["roles:list", { role: "user", fromBlock: "1000000000" }, "ARGUMENT_INVALID"],
    ];
    for (const [id, args, code] of cases) expectTaskError(await fx.run(id, args), code);
    // With --json the failure is also one JSON object on stdout.
    const json = await fx.run("gateways:grant", { account, signer: "0", json: true });
    expectTaskError(json, "ROLE_REQUIRED");
    expect(
      json.json<{ error: { code: string; details: { args: string[] } } }>().error,
    ).to.deep.include({
      code: "ROLE_REQUIRED",
    });
    expect(
      json.json<{ error: { details: { args: string[] } } }>().error.details.args,
    ).to.deep.equal([fx.actors.admin.address, "operator"]);
    expect(await fx.chainMark()).to.equal(mark);
    expect(await fx.ledger.hasRole(await fx.ledger.GATEWAY_ROLE(), account)).to.equal(false);
  });

  it("as a command: --help is Hardhat's own and lists the shared options; an error is one line and exit 1", async () => {
    const help = await runHardhatCli(["sources:register", "--help"]);
    expect(help.code, help.stderr).to.equal(0);
    for (const option of [
      "--key-proof",
      "--metadata-uri",
      "--dry-run",
      "--json",
      "--signer",
      "--access-registry",
    ]) {
      expect(help.stdout).to.include(option);
    }
    // Every control task carries --json; every changing one --dry-run.
    expect(controlTasks.every((t) => "json" in t.options)).to.equal(true);

    const ledger = await fx.ledger.getAddress();
    const run = await runHardhatCli([
      "ledger:pause",
      "--rpc-url",
      fx.node.url,
      "--ledger",
      ledger,
      "--signer",
      "4",
    ]);
    expect(run.code).to.equal(1);
    expect(run.stderr.trim().split("\n")).to.have.length(1);
    expect(run.stderr).to.match(
      /^error ROLE_REQUIRED: the suite refuses: AccessControlUnauthorizedAccount\(0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65, operator\) \(use --signer or --private-key-var\)/,
    );
    expect(await fx.ledger.paused()).to.equal(false);

    // The flags as typed: --dry-run --json print one JSON object and send nothing.
    const mark = await fx.chainMark();
    const dry = await runHardhatCli([
      "ledger:pause",
      "--rpc-url",
      fx.node.url,
      "--ledger",
      ledger,
      "--dry-run",
      "--json",
    ]);
    expect(dry.code, dry.stderr).to.equal(0);
    const report = JSON.parse(dry.stdout) as { dryRun: boolean; transaction: { data: string } };
    expect(report.dryRun).to.equal(true);
    expect(report.transaction.data).to.equal(fx.ledger.interface.encodeFunctionData("pause"));
    expect(await fx.chainMark()).to.equal(mark);
  });
});
