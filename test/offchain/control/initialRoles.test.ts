import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { applyInitialRoles, loadInitialRoles } from "../../../offchain/control/initialRoles.js";
import { grantRole, parseRoleName, revokeRole } from "../../../offchain/control/roles.js";
import { DataLedger__factory } from "../../../types/ethers-contracts/index.js";
import { ADMIN_DELAY } from "../../fixtures/deployLedger.js";
import { expectCode } from "../../helpers/expectCode.js";

const { ethers } = await network.create();

async function rolesFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "roles-"));
  const file = path.join(dir, "roles.json");
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("offchain/control: initial roles and role scripts", () => {
  async function deploy() {
    const signers = await ethers.getSigners();
    const ledger = await ethers.deployContract("DataLedger", [signers[0].address, ADMIN_DELAY]);
    return { signers, ledger, address: await ledger.getAddress() };
  }

  it("grants every configured role, with gateways and users granted by the operator, and is idempotent", async () => {
    const { signers, ledger, address } = await deploy();
    const [admin, operator, supervisor, gateway, user] = signers;
    const file = await rolesFile({
      $comment: "ignored",
      operators: [operator.address],
      supervisors: [supervisor.address],
      gateways: [gateway.address],
      users: [user.address.toLowerCase()],
    });
    const first = await applyInitialRoles(address, admin, signers, await loadInitialRoles(file));
    expect(first.map((c) => [c.role, c.changed])).to.deep.equal([
      ["operator", true],
      ["supervisor", true],
      ["gateway", true],
      ["user", true],
    ]);
    expect(await ledger.hasRole(await ledger.OPERATOR_ROLE(), operator.address)).to.equal(true);
    expect(await ledger.hasRole(await ledger.SUPERVISOR_ROLE(), supervisor.address)).to.equal(true);
    expect(await ledger.hasRole(await ledger.GATEWAY_ROLE(), gateway.address)).to.equal(true);
    expect(await ledger.hasRole(await ledger.USER_ROLE(), user.address)).to.equal(true);

    const again = await applyInitialRoles(address, admin, signers, await loadInitialRoles(file));
    expect(again.every((c) => !c.changed)).to.equal(true);
  });

  it("refuses gateways and users when no configured operator can sign", async () => {
    const { signers, address } = await deploy();
    const stranger = ethers.Wallet.createRandom().address;
    const roles = {
      operators: [stranger],
      supervisors: [],
      gateways: [signers[3].address],
      users: [],
    };
    await expectCode(
      applyInitialRoles(address, signers[0], signers, roles),
      "ROLES_NO_OPERATOR_SIGNER",
    );
  });

  it("rejects malformed roles files with ROLES_CONFIG_INVALID", async () => {
    for (const bad of [
      "not json",
      [],
      { operators: ["0x1234"] },
      { operatorz: [] },
      { users: "0x" },
    ]) {
      const file = await rolesFile(bad);
      await expectCode(loadInitialRoles(file), "ROLES_CONFIG_INVALID");
    }
    await expectCode(loadInitialRoles("/nonexistent/roles.json"), "ROLES_CONFIG_INVALID");
  });

  it("grants and revokes by role name, refusing unknown roles, the registry-managed source role and the admin role", async () => {
    const { signers, address } = await deploy();
    const asAdmin = DataLedger__factory.connect(address, signers[0]);
    await expectCode(() => parseRoleName("root"), "ROLE_UNKNOWN");
    expect(parseRoleName(" Operator ")).to.equal("operator");
    await expectCode(
      grantRole(asAdmin, "source", signers[5].address),
      "ROLE_SOURCE_MANAGED_BY_REGISTRY",
    );
    // The ledger moves the admin role only by a delayed two-step transfer.
    await expectCode(grantRole(asAdmin, "admin", signers[5].address), "ROLE_ADMIN_TWO_STEP");
    await expectCode(revokeRole(asAdmin, "admin", signers[0].address), "ROLE_ADMIN_TWO_STEP");

    expect((await grantRole(asAdmin, "supervisor", signers[5].address)).changed).to.equal(true);
    expect(await asAdmin.hasRole(await asAdmin.SUPERVISOR_ROLE(), signers[5].address)).to.equal(
      true,
    );
    expect((await revokeRole(asAdmin, "supervisor", signers[5].address)).changed).to.equal(true);
    expect(await asAdmin.hasRole(await asAdmin.SUPERVISOR_ROLE(), signers[5].address)).to.equal(
      false,
    );
    expect((await revokeRole(asAdmin, "supervisor", signers[5].address)).changed).to.equal(false);
  });
});
