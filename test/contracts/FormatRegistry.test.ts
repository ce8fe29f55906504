import { expect } from "chai";
import { ZeroHash, id } from "ethers";
import { network } from "hardhat";

import {
  deployLedger,
  FORMAT_UNIQUE_DATA_HASHES,
  OTHER_SCHEMA_HASH,
  recordIdOf,
  SCHEMA_HASH,
} from "../fixtures/deployLedger.js";
import { FormatStatus, RecordStatus } from "../helpers/enums.js";
import { makeRecord } from "../helpers/makeRecord.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

describe("FormatRegistry", function () {
  describe("registerFormat", function () {
    it("registers a format under its schema hash with the next compact index", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);
      const schemaHash = id("weather schema");
      const at = (await time.latest()) + 10;
      await time.setNextBlockTimestamp(at);

      await expect(
        ledger
          .connect(operator)
          .registerFormat(schemaHash, "weather", "2.1.0", "ipfs://weather", 0),
      )
        .to.emit(ledger, "FormatRegistered")
        .withArgs(schemaHash, 2, "weather", "2.1.0", "ipfs://weather", 0);

      const format = await ledger.getFormat(schemaHash);
      expect(format.index).to.equal(2);
      expect(format.status).to.equal(FormatStatus.Active);
      expect(format.registeredAt).to.equal(at);
      expect(format.deprecatedAt).to.equal(0n);
      expect(format.name).to.equal("weather");
      expect(format.version).to.equal("2.1.0");
      expect(format.uri).to.equal("ipfs://weather");
      expect(format.flags).to.equal(0);
      expect(await ledger.formatIdAt(2)).to.equal(schemaHash);
      expect(await ledger.formatCount()).to.equal(3);
    });

    it("returns the schema hash as the format id", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);

      expect(
        await ledger.connect(operator).registerFormat.staticCall(id("s"), "n", "v", "", 0),
      ).to.equal(id("s"));
    });

    it("indexes the fixture's formats in registration order", async function () {
      const { ledger } = await networkHelpers.loadFixture(deployLedger);

      expect(await ledger.formatIdAt(0)).to.equal(SCHEMA_HASH);
      expect(await ledger.formatIdAt(1)).to.equal(OTHER_SCHEMA_HASH);
      expect(await ledger.formatIdAt(2)).to.equal(ZeroHash);
      expect((await ledger.getFormat(id("unknown"))).status).to.equal(FormatStatus.None);
    });

    it("rejects a zero schema hash", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger.connect(operator).registerFormat(ZeroHash, "n", "v", "", 0),
      ).to.be.revertedWithCustomError(ledger, "FormatRegistryZeroSchemaHash");
    });

    it("rejects a schema hash that is already registered, even under a new name", async function () {
      const { ledger, operator, formatId } = await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(operator).registerFormat(formatId, "renamed", "9.9.9", "", 0))
        .to.be.revertedWithCustomError(ledger, "FormatRegistryAlreadyRegistered")
        .withArgs(formatId);
    });

    it("rejects a second schema under a name and version already taken", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger.connect(operator).registerFormat(id("other schema"), "air-quality", "1.0.0", "", 0),
      )
        .to.be.revertedWithCustomError(ledger, "FormatRegistryDuplicateVersion")
        .withArgs("air-quality", "1.0.0");
      await expect(
        ledger.connect(operator).registerFormat(id("other schema"), "air-quality", "1.0.1", "", 0),
      ).to.emit(ledger, "FormatRegistered");
    });

    it("keeps name and version apart: (ab, c) and (a, bc) are different formats", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).registerFormat(id("s1"), "ab", "c", "", 0);

      await expect(ledger.connect(operator).registerFormat(id("s2"), "a", "bc", "", 0)).to.emit(
        ledger,
        "FormatRegistered",
      );
    });

    it("stores the flags it is registered with and announces them", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);

      await expect(
        ledger
          .connect(operator)
          .registerFormat(id("deposit"), "deposit", "1", "ipfs://d", FORMAT_UNIQUE_DATA_HASHES),
      )
        .to.emit(ledger, "FormatRegistered")
        .withArgs(id("deposit"), 2, "deposit", "1", "ipfs://d", FORMAT_UNIQUE_DATA_HASHES);

      expect((await ledger.getFormat(id("deposit"))).flags).to.equal(FORMAT_UNIQUE_DATA_HASHES);
      expect((await ledger.getFormat(SCHEMA_HASH)).flags).to.equal(0);
      expect((await ledger.getFormat(id("unknown"))).flags).to.equal(0);
    });

    it("rejects flag bits no FORMAT_* constant defines, registering nothing", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);

      // Bits 0 (FORMAT_UNIQUE_DATA_HASHES) and 1 (FORMAT_CONFIDENTIAL) are defined; 2 up are not.
      for (const flags of [4, 5, 7, 0x100, 0x8000, 0xffff]) {
        await expect(ledger.connect(operator).registerFormat(id("s"), "n", "v", "", flags))
          .to.be.revertedWithCustomError(ledger, "FormatRegistryUnknownFlags")
          .withArgs(flags);
      }
      expect((await ledger.getFormat(id("s"))).status).to.equal(FormatStatus.None);
      expect(await ledger.formatCount()).to.equal(2);
      await expect(ledger.connect(operator).registerFormat(id("s"), "n", "v", "", 1)).to.emit(
        ledger,
        "FormatRegistered",
      );
    });

    it("registers a confidential format (FORMAT_CONFIDENTIAL), alone or with unique data hashes", async function () {
      const { ledger, operator } = await networkHelpers.loadFixture(deployLedger);
      // The fixture registers two formats, so these take indexes 2 and 3.
      for (const [index, flags] of [2, 3].entries()) {
        await expect(
          ledger
            .connect(operator)
            .registerFormat(id(`sealed${flags}`), `sealed${flags}`, "1", "", flags),
        )
          .to.emit(ledger, "FormatRegistered")
          .withArgs(id(`sealed${flags}`), index + 2, `sealed${flags}`, "1", "", flags);
        expect((await ledger.getFormat(id(`sealed${flags}`))).flags).to.equal(flags);
      }
    });

    it("is for operators only", async function () {
      const { ledger, admin, supervisor } = await networkHelpers.loadFixture(deployLedger);

      for (const caller of [admin, supervisor]) {
        await expect(ledger.connect(caller).registerFormat(id("s"), "n", "v", "", 0))
          .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, await ledger.OPERATOR_ROLE());
      }
    });
  });

  describe("deprecateFormat", function () {
    it("stops new records in the format; anchored ones keep it", async function () {
      const { ledger, operator, sourceKey, formatId } =
        await networkHelpers.loadFixture(deployLedger);
      const before = makeRecord("before", formatId);
      await ledger.connect(sourceKey).submitRecord(before);

      await expect(ledger.connect(operator).deprecateFormat(formatId))
        .to.emit(ledger, "FormatDeprecated")
        .withArgs(formatId);

      expect((await ledger.getFormat(formatId)).status).to.equal(FormatStatus.Deprecated);
      const anchored = await ledger.getRecord(recordIdOf(sourceKey, before));
      expect(anchored.status).to.equal(RecordStatus.Active);
      expect(anchored.formatId).to.equal(formatId);
      await expect(ledger.connect(sourceKey).submitRecord(makeRecord("after", formatId)))
        .to.be.revertedWithCustomError(ledger, "FormatRegistryDeprecatedFormat")
        .withArgs(formatId);
    });

    it("records the second of deprecation in deprecatedAt, 0 while active", async function () {
      const { ledger, operator, formatId } = await networkHelpers.loadFixture(deployLedger);
      expect((await ledger.getFormat(formatId)).deprecatedAt).to.equal(0n);
      const at = (await time.latest()) + 50;
      await time.setNextBlockTimestamp(at);

      await ledger.connect(operator).deprecateFormat(formatId);

      const format = await ledger.getFormat(formatId);
      expect(format.deprecatedAt).to.equal(at);
      expect(format.registeredAt).to.be.lessThan(at);
    });

    it("keeps the deprecated format's name and version taken", async function () {
      const { ledger, operator, formatId } = await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).deprecateFormat(formatId);

      await expect(
        ledger.connect(operator).registerFormat(id("replacement"), "air-quality", "1.0.0", "", 0),
      )
        .to.be.revertedWithCustomError(ledger, "FormatRegistryDuplicateVersion")
        .withArgs("air-quality", "1.0.0");
    });

    it("rejects a format that is already deprecated or unknown", async function () {
      const { ledger, operator, formatId } = await networkHelpers.loadFixture(deployLedger);
      await ledger.connect(operator).deprecateFormat(formatId);

      await expect(ledger.connect(operator).deprecateFormat(formatId))
        .to.be.revertedWithCustomError(ledger, "FormatRegistryDeprecatedFormat")
        .withArgs(formatId);
      await expect(ledger.connect(operator).deprecateFormat(id("unknown")))
        .to.be.revertedWithCustomError(ledger, "FormatRegistryUnknownFormat")
        .withArgs(id("unknown"));
    });

    it("is for operators only", async function () {
      const { ledger, sourceKey, formatId } = await networkHelpers.loadFixture(deployLedger);

      await expect(ledger.connect(sourceKey).deprecateFormat(formatId))
        .to.be.revertedWithCustomError(ledger, "AccessControlUnauthorizedAccount")
        .withArgs(sourceKey.address, await ledger.OPERATOR_ROLE());
    });
  });
});
