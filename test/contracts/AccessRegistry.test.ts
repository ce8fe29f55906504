import { expect } from "chai";
import { id } from "ethers";
import { network } from "hardhat";

import { deployLedger } from "../fixtures/deployLedger.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

const DAY = 86_400;

describe("AccessRegistry", function () {
  describe("datasets", function () {
    it("follows the ledger it was deployed for", async function () {
      const { ledger, access } = await networkHelpers.loadFixture(deployLedger);

      expect(await access.ledger()).to.equal(await ledger.getAddress());
    });

    it("holds the fixture's dataset with its source and format", async function () {
      const { access, datasetOwner, datasetId, sourceId, formatId, otherFormatId } =
        await networkHelpers.loadFixture(deployLedger);

      const [owner, uri] = await access.getDataset(datasetId);
      expect(owner).to.equal(datasetOwner.address);
      expect(uri).to.equal("ipfs://dataset-1");
      expect(await access.datasetCount()).to.equal(1n);
      expect(await access.datasetIncludesSource(datasetId, sourceId)).to.equal(true);
      expect(await access.datasetIncludesSource(datasetId, 2n)).to.equal(false);
      expect(await access.datasetIncludesFormat(datasetId, formatId)).to.equal(true);
      expect(await access.datasetIncludesFormat(datasetId, otherFormatId)).to.equal(false);
    });

    it("lets an operator create a dataset it then owns", async function () {
      const { access, operator, sourceId, formatId, otherFormatId } =
        await networkHelpers.loadFixture(deployLedger);

      const tx = access
        .connect(operator)
        .createDataset("ipfs://dataset-2", [sourceId], [formatId, otherFormatId]);
      await expect(tx)
        .to.emit(access, "DatasetCreated")
        .withArgs(2n, operator.address, "ipfs://dataset-2");
      await expect(tx).to.emit(access, "DatasetSourceSet").withArgs(2n, sourceId, true);
      await expect(tx).to.emit(access, "DatasetFormatSet").withArgs(2n, formatId, true);
      await expect(tx).to.emit(access, "DatasetFormatSet").withArgs(2n, otherFormatId, true);

      expect((await access.getDataset(2n)).owner).to.equal(operator.address);
      expect(await access.datasetIncludesFormat(2n, otherFormatId)).to.equal(true);
      expect(await access.datasetCount()).to.equal(2n);
    });

    it("returns the new dataset id", async function () {
      const { access, operator } = await networkHelpers.loadFixture(deployLedger);

      expect(await access.connect(operator).createDataset.staticCall("", [], [])).to.equal(2n);
    });

    it("refuses dataset creation by non-operators", async function () {
      const { ledger, access, admin, user, supervisor } =
        await networkHelpers.loadFixture(deployLedger);

      for (const caller of [admin, user, supervisor]) {
        await expect(access.connect(caller).createDataset("", [], []))
          .to.be.revertedWithCustomError(access, "AccessRegistryUnauthorized")
          .withArgs(caller.address, await ledger.OPERATOR_ROLE());
      }
    });

    it("rejects unknown sources and formats; a deprecated format is still known", async function () {
      const { ledger, access, operator, formatId } = await networkHelpers.loadFixture(deployLedger);

      for (const sourceId of [0n, 2n]) {
        await expect(access.connect(operator).createDataset("", [sourceId], []))
          .to.be.revertedWithCustomError(access, "AccessRegistryUnknownSource")
          .withArgs(sourceId);
      }
      await expect(access.connect(operator).createDataset("", [], [id("x")]))
        .to.be.revertedWithCustomError(access, "AccessRegistryUnknownFormat")
        .withArgs(id("x"));

      await ledger.connect(operator).deprecateFormat(formatId);
      await expect(access.connect(operator).createDataset("", [], [formatId])).to.emit(
        access,
        "DatasetFormatSet",
      );
    });

    it("lets the owner add and remove sources and formats", async function () {
      const { access, datasetOwner, datasetId, sourceId, formatId, otherFormatId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(access.connect(datasetOwner).setDatasetSources(datasetId, [sourceId], false))
        .to.emit(access, "DatasetSourceSet")
        .withArgs(datasetId, sourceId, false);
      expect(await access.datasetIncludesSource(datasetId, sourceId)).to.equal(false);

      await expect(access.connect(datasetOwner).setDatasetFormats(datasetId, [otherFormatId], true))
        .to.emit(access, "DatasetFormatSet")
        .withArgs(datasetId, otherFormatId, true);
      await access.connect(datasetOwner).setDatasetFormats(datasetId, [formatId], false);
      expect(await access.datasetIncludesFormat(datasetId, otherFormatId)).to.equal(true);
      expect(await access.datasetIncludesFormat(datasetId, formatId)).to.equal(false);
    });

    it("refuses other operators and unknown datasets", async function () {
      const { access, operator, datasetOwner, datasetId, sourceId, formatId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(access.connect(operator).setDatasetSources(datasetId, [sourceId], false))
        .to.be.revertedWithCustomError(access, "AccessRegistryNotDatasetOwner")
        .withArgs(operator.address, datasetId);
      await expect(access.connect(operator).setDatasetFormats(datasetId, [formatId], false))
        .to.be.revertedWithCustomError(access, "AccessRegistryNotDatasetOwner")
        .withArgs(operator.address, datasetId);
      await expect(access.connect(datasetOwner).setDatasetSources(99n, [sourceId], false))
        .to.be.revertedWithCustomError(access, "AccessRegistryUnknownDataset")
        .withArgs(99n);
    });

    it("hands a dataset to another operator only", async function () {
      const { ledger, access, operator, datasetOwner, user, datasetId, sourceId } =
        await networkHelpers.loadFixture(deployLedger);

      await expect(access.connect(datasetOwner).transferDataset(datasetId, user.address))
        .to.be.revertedWithCustomError(access, "AccessRegistryUnauthorized")
        .withArgs(user.address, await ledger.OPERATOR_ROLE());

      await expect(access.connect(datasetOwner).transferDataset(datasetId, operator.address))
        .to.emit(access, "DatasetOwnerChanged")
        .withArgs(datasetId, datasetOwner.address, operator.address, datasetOwner.address);
      expect((await access.getDataset(datasetId)).owner).to.equal(operator.address);
      await expect(access.connect(datasetOwner).setDatasetSources(datasetId, [sourceId], false))
        .to.be.revertedWithCustomError(access, "AccessRegistryNotDatasetOwner")
        .withArgs(datasetOwner.address, datasetId);
      await expect(
        access.connect(operator).setDatasetSources(datasetId, [sourceId], false),
      ).to.emit(access, "DatasetSourceSet");
    });

    it("stops an owner who lost the operator role from managing the dataset", async function () {
      const { ledger, access, admin, datasetOwner, user, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      const expiresAt = (await time.latest()) + DAY;
      await access.connect(datasetOwner).grantAccess(datasetId, user.address, expiresAt);
      await ledger.connect(admin).revokeRole(await ledger.OPERATOR_ROLE(), datasetOwner.address);

      await expect(access.connect(datasetOwner).revokeAccess(datasetId, user.address))
        .to.be.revertedWithCustomError(access, "AccessRegistryUnauthorized")
        .withArgs(datasetOwner.address, await ledger.OPERATOR_ROLE());
      // Grants already given stand: they depend on the user's role, not the owner's.
      expect(await access.hasAccess(datasetId, user.address)).to.equal(true);
    });

    it("lets any operator revoke the grants of an orphaned dataset and take it over", async function () {
      const { ledger, access, admin, operator, datasetOwner, user, stranger, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      const operatorRole = await ledger.OPERATOR_ROLE();
      await access
        .connect(datasetOwner)
        .grantAccess(datasetId, user.address, (await time.latest()) + DAY);
      await ledger.connect(admin).revokeRole(operatorRole, datasetOwner.address);

      await expect(access.connect(stranger).revokeAccess(datasetId, user.address))
        .to.be.revertedWithCustomError(access, "AccessRegistryUnauthorized")
        .withArgs(stranger.address, operatorRole);
      await expect(access.connect(operator).revokeAccess(datasetId, user.address))
        .to.emit(access, "AccessRevoked")
        .withArgs(datasetId, user.address, operator.address);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(false);

      await expect(access.connect(operator).transferDataset(datasetId, operator.address))
        .to.emit(access, "DatasetOwnerChanged")
        .withArgs(datasetId, datasetOwner.address, operator.address, operator.address);

      // Back among the operators, the former owner gets nothing back silently.
      await ledger.connect(admin).grantRole(operatorRole, datasetOwner.address);
      await expect(access.connect(datasetOwner).revokeAccess(datasetId, user.address))
        .to.be.revertedWithCustomError(access, "AccessRegistryNotDatasetOwner")
        .withArgs(datasetOwner.address, datasetId);
    });

    it("does not give an owner who left and came back its dataset without a handover", async function () {
      const { ledger, access, admin, datasetOwner, user, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      const operatorRole = await ledger.OPERATOR_ROLE();
      await ledger.connect(admin).revokeRole(operatorRole, datasetOwner.address);
      await ledger.connect(admin).grantRole(operatorRole, datasetOwner.address);

      await expect(
        access
          .connect(datasetOwner)
          .grantAccess(datasetId, user.address, (await time.latest()) + DAY),
      )
        .to.be.revertedWithCustomError(access, "AccessRegistryDatasetOrphaned")
        .withArgs(datasetId, datasetOwner.address);
    });
  });

  describe("grants", function () {
    it("grants a user access until an expiry, inclusive (the deadline rule)", async function () {
      const { access, datasetOwner, user, datasetId, sourceId, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const expiresAt = (await time.latest()) + DAY;

      await expect(access.connect(datasetOwner).grantAccess(datasetId, user.address, expiresAt))
        .to.emit(access, "AccessGranted")
        .withArgs(datasetId, user.address, expiresAt, datasetOwner.address);
      expect(await access.grantExpiry(datasetId, user.address)).to.equal(expiresAt);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(true);
      expect(await access.canRead(datasetId, user.address, sourceId, formatId)).to.equal(true);

      await time.increaseTo(expiresAt);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(true);
      expect(await access.canRead(datasetId, user.address, sourceId, formatId)).to.equal(true);
      await time.increaseTo(expiresAt + 1);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(false);
      expect(await access.canRead(datasetId, user.address, sourceId, formatId)).to.equal(false);
    });

    it("reads only sources and formats in the dataset", async function () {
      const { access, datasetOwner, user, stranger, datasetId, sourceId, formatId, otherFormatId } =
        await networkHelpers.loadFixture(deployLedger);
      await access
        .connect(datasetOwner)
        .grantAccess(datasetId, user.address, (await time.latest()) + DAY);

      expect(await access.canRead(datasetId, user.address, sourceId, otherFormatId)).to.equal(
        false,
      );
      expect(await access.canRead(datasetId, user.address, 2n, formatId)).to.equal(false);
      expect(await access.canRead(datasetId, stranger.address, sourceId, formatId)).to.equal(false);
      expect(await access.canRead(2n, user.address, sourceId, formatId)).to.equal(false);

      await access.connect(datasetOwner).setDatasetFormats(datasetId, [otherFormatId], true);
      expect(await access.canRead(datasetId, user.address, sourceId, otherFormatId)).to.equal(true);
    });

    it("replaces an earlier grant, shortening or extending it", async function () {
      const { access, datasetOwner, user, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      const now = await time.latest();
      await access.connect(datasetOwner).grantAccess(datasetId, user.address, now + DAY);

      await access.connect(datasetOwner).grantAccess(datasetId, user.address, now + 60);
      expect(await access.grantExpiry(datasetId, user.address)).to.equal(now + 60);
      await time.increaseTo(now + 61);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(false);

      await access.connect(datasetOwner).grantAccess(datasetId, user.address, now + 2 * DAY);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(true);
    });

    it("grants only to holders of USER_ROLE", async function () {
      const { access, datasetOwner, stranger, operator, datasetId } =
        await networkHelpers.loadFixture(deployLedger);

      for (const grantee of [stranger, operator]) {
        await expect(
          access
            .connect(datasetOwner)
            .grantAccess(datasetId, grantee.address, (await time.latest()) + DAY),
        )
          .to.be.revertedWithCustomError(access, "AccessRegistryNotAUser")
          .withArgs(grantee.address);
      }
    });

    it("rejects an expiry already passed, and accepts one that is the current second", async function () {
      const { access, datasetOwner, user, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      const next = (await time.latest()) + 10;

      await time.setNextBlockTimestamp(next);
      await expect(access.connect(datasetOwner).grantAccess(datasetId, user.address, next - 1))
        .to.be.revertedWithCustomError(access, "AccessRegistryInvalidExpiry")
        .withArgs(next - 1);
      await time.setNextBlockTimestamp(next + 1);
      await expect(
        access.connect(datasetOwner).grantAccess(datasetId, user.address, next + 1),
      ).to.emit(access, "AccessGranted");
      expect(await access.hasAccess(datasetId, user.address)).to.equal(true);
    });

    it("is for the dataset owner only", async function () {
      const { access, operator, user, datasetId } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        access.connect(operator).grantAccess(datasetId, user.address, (await time.latest()) + DAY),
      )
        .to.be.revertedWithCustomError(access, "AccessRegistryNotDatasetOwner")
        .withArgs(operator.address, datasetId);
      await expect(
        access.connect(user).grantAccess(datasetId, user.address, (await time.latest()) + DAY),
      )
        .to.be.revertedWithCustomError(access, "AccessRegistryNotDatasetOwner")
        .withArgs(user.address, datasetId);
    });

    it("revokes a live grant", async function () {
      const { access, datasetOwner, user, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      await access
        .connect(datasetOwner)
        .grantAccess(datasetId, user.address, (await time.latest()) + DAY);

      await expect(access.connect(datasetOwner).revokeAccess(datasetId, user.address))
        .to.emit(access, "AccessRevoked")
        .withArgs(datasetId, user.address, datasetOwner.address);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(false);
      expect(await access.grantExpiry(datasetId, user.address)).to.equal(0);
      await expect(access.connect(datasetOwner).revokeAccess(datasetId, user.address))
        .to.be.revertedWithCustomError(access, "AccessRegistryNoGrant")
        .withArgs(datasetId, user.address);
    });

    it("has nothing to revoke once a grant expired", async function () {
      const { access, datasetOwner, user, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      const expiresAt = (await time.latest()) + DAY;
      await access.connect(datasetOwner).grantAccess(datasetId, user.address, expiresAt);
      // The expiry second is the grant's last: a revocation mined the second after finds nothing.
      await time.setNextBlockTimestamp(expiresAt + 1);

      await expect(access.connect(datasetOwner).revokeAccess(datasetId, user.address))
        .to.be.revertedWithCustomError(access, "AccessRegistryNoGrant")
        .withArgs(datasetId, user.address);
    });

    it("still revokes in the expiry second", async function () {
      const { access, datasetOwner, user, datasetId } =
        await networkHelpers.loadFixture(deployLedger);
      const expiresAt = (await time.latest()) + DAY;
      await access.connect(datasetOwner).grantAccess(datasetId, user.address, expiresAt);
      await time.setNextBlockTimestamp(expiresAt);

      await expect(access.connect(datasetOwner).revokeAccess(datasetId, user.address)).to.emit(
        access,
        "AccessRevoked",
      );
    });

    it("ends a user's grants for good when it loses USER_ROLE: a re-granted user starts with none", async function () {
      const { ledger, access, operator, datasetOwner, user, datasetId, sourceId, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const expiresAt = (await time.latest()) + DAY;
      await access.connect(datasetOwner).grantAccess(datasetId, user.address, expiresAt);
      const userRole = await ledger.USER_ROLE();

      await ledger.connect(operator).revokeRole(userRole, user.address);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(false);
      expect(await access.grantExpiry(datasetId, user.address)).to.equal(0);
      expect(await ledger.roleEpoch(userRole, user.address)).to.equal(1n);

      await ledger.connect(operator).grantRole(userRole, user.address);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(false);
      expect(await access.canRead(datasetId, user.address, sourceId, formatId)).to.equal(false);

      await access.connect(datasetOwner).grantAccess(datasetId, user.address, expiresAt);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(true);
      await ledger.connect(user).renounceRole(userRole, user.address);
      await ledger.connect(operator).grantRole(userRole, user.address);
      expect(await access.hasAccess(datasetId, user.address)).to.equal(false);
    });
  });
});
