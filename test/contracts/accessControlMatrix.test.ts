// Who may call what: every state-changing function of DataLedger, its DataBlockJudge and
// AccessRegistry, as listed
// by the compiled ABI, called by every actor with arguments that would otherwise succeed.
//
// The function list comes from the artifacts, not from this file: a new external function
// without a row in CASES fails the suite until someone decides who may call it.

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import type { BaseContract } from "ethers";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { artifacts, network } from "hardhat";

import {
  ADMIN_DELAY,
  deployLedger,
  recordIdOf,
  type LedgerFixture,
} from "../fixtures/deployLedger.js";
import { buildDataBlock, type DataBlock } from "../helpers/buildDataBlock.js";
import { DisputeReason } from "../helpers/enums.js";
import { makeRecord } from "../helpers/makeRecord.js";
import { keyProof } from "../helpers/keyProof.js";
import { signRecord } from "../helpers/signRecord.js";

const { networkHelpers } = await network.create();
const { time } = networkHelpers;

const ROLES = [
  "admin",
  "operator",
  "supervisor",
  "gateway",
  "user",
  "sourceKey",
  "sourceOwner",
  "datasetOwner",
  "noRole",
] as const;
type Role = (typeof ROLES)[number];
const EVERYONE: readonly Role[] = ROLES;
// The dataset owner is an operator too: AccessRegistry only lets operators own datasets.
const OPERATORS: readonly Role[] = ["operator", "datasetOwner"];
const ALL_BUT_ADMIN: readonly Role[] = ROLES.filter((role) => role !== "admin");

function signerOf(f: LedgerFixture, role: Role): HardhatEthersSigner {
  return role === "noRole" ? f.stranger : f[role];
}

interface Denial {
  error: string;
  args: unknown[];
}

interface Case {
  /** Distinguishes several rows for one function (e.g. which role grantRole is asked to grant). */
  variant?: string;
  /** Who may call. Everyone else must get `denial`. */
  allowed: readonly Role[];
  /** Brings the ledger into a state where the call is valid, then returns its arguments. */
  args: (f: LedgerFixture, caller: HardhatEthersSigner, role: Role) => Promise<unknown[]>;
  /** The custom error a denied caller gets (on the contract under test). */
  denial?: (f: LedgerFixture, caller: HardhatEthersSigner, args: unknown[]) => Promise<Denial>;
}

type ContractName = "DataLedger" | "DataBlockJudge" | "AccessRegistry";

function missingRole(role: () => Promise<string>) {
  return async (_f: LedgerFixture, caller: HardhatEthersSigner): Promise<Denial> => ({
    error: "AccessControlUnauthorizedAccount",
    args: [caller.address, await role()],
  });
}

/** Args-independent shorthand: a function gated by OPERATOR_ROLE on the ledger. */
const operatorOnly = (f: LedgerFixture, caller: HardhatEthersSigner) =>
  missingRole(() => f.ledger.OPERATOR_ROLE())(f, caller);

/** Anchors a record of source 1 and returns its record id. */
async function anchoredRecord(f: LedgerFixture): Promise<string> {
  const v1 = makeRecord("matrix-v1", f.formatId);
  await f.ledger.connect(f.sourceKey).submitRecord(v1);
  return recordIdOf(f.sourceKey, v1);
}

/**
 * Anchors a block of two operations: 0 is forged (signed by a stranger for source 1), 1 is honest.
 */
async function blockWithForgery(f: LedgerFixture, count = 2): Promise<{ dataBlock: DataBlock }> {
  const deadline = BigInt(await time.latest()) + 3600n;
  const forged = await signRecord(
    f.stranger,
    f.ledger,
    makeRecord("forged", f.formatId),
    deadline,
    {
      source: f.sourceKey.address,
    },
  );
  const honest = await signRecord(
    f.sourceKey,
    f.ledger,
    makeRecord("honest", f.formatId),
    deadline,
  );
  // A count above 2 leaves the slots up to it empty.
  const dataBlock = buildDataBlock(
    f.gateway.address,
    [forged, honest],
    Array<string>(count - 2).fill(ZeroHash),
  );
  await f.ledger
    .connect(f.gateway)
    .submitDataBlock(dataBlock.root, count, dataBlock.firstSampledAt, dataBlock.lastSampledAt, "");
  return { dataBlock };
}

/** The admin schedules a transfer of DEFAULT_ADMIN_ROLE to `to`, and the delay passes. */
async function dueAdminTransfer(f: LedgerFixture, to: string): Promise<void> {
  await f.ledger.connect(f.admin).beginDefaultAdminTransfer(to);
  await time.increase(ADMIN_DELAY + 1);
}

const enforcedAdminRules = async (): Promise<Denial> => ({
  error: "AccessControlEnforcedDefaultAdminRules",
  args: [],
});

/** The admin revokes the dataset owner's OPERATOR_ROLE: dataset 1 is orphaned. */
async function orphanDataset(f: LedgerFixture): Promise<void> {
  await f.ledger
    .connect(f.admin)
    .revokeRole(await f.ledger.OPERATOR_ROLE(), f.datasetOwner.address);
}

const notAnOperator = async (f: LedgerFixture, caller: HardhatEthersSigner): Promise<Denial> => ({
  error: "AccessRegistryUnauthorized",
  args: [caller.address, await f.ledger.OPERATOR_ROLE()],
});

const notDatasetOwner = async (
  _f: LedgerFixture,
  caller: HardhatEthersSigner,
): Promise<Denial> => ({
  error: "AccessRegistryNotDatasetOwner",
  args: [caller.address, 1n],
});

const primaryRole: Record<Role, (f: LedgerFixture) => Promise<string>> = {
  admin: async () => ZeroHash,
  operator: (f) => f.ledger.OPERATOR_ROLE(),
  supervisor: (f) => f.ledger.SUPERVISOR_ROLE(),
  gateway: (f) => f.ledger.GATEWAY_ROLE(),
  user: (f) => f.ledger.USER_ROLE(),
  sourceKey: (f) => f.ledger.USER_ROLE(),
  sourceOwner: (f) => f.ledger.USER_ROLE(),
  datasetOwner: (f) => f.ledger.OPERATOR_ROLE(),
  noRole: (f) => f.ledger.USER_ROLE(),
};

const CASES: Record<ContractName, Record<string, Case[]>> = {
  DataLedger: {
    submitRecord: [
      {
        allowed: ["sourceKey"],
        args: async (f) => [makeRecord("matrix", f.formatId)],
        denial: async (_f, caller) => ({
          error: "SourceRegistryInactiveSource",
          args: [caller.address],
        }),
      },
    ],
    submitRecordBySig: [
      {
        allowed: EVERYONE,
        args: async (f) => {
          const deadline = BigInt(await time.latest()) + 3600n;
          const op = await signRecord(
            f.sourceKey,
            f.ledger,
            makeRecord("matrix", f.formatId),
            deadline,
          );
          return [op.source, op.record, op.deadline, op.signature];
        },
      },
    ],
    updateRecord: [
      {
        // A new version is the source's own statement: not even an operator may make one.
        allowed: ["sourceKey"],
        args: async (f) => [await anchoredRecord(f), makeRecord("matrix-v2", f.formatId)],
        denial: async (_f, caller, args) => ({
          error: "DataRegistryUnauthorized",
          args: [caller.address, args[0]],
        }),
      },
    ],
    revokeRecord: [
      {
        allowed: ["sourceKey", ...OPERATORS],
        args: async (f) => [await anchoredRecord(f), 1],
        denial: async (_f, caller, args) => ({
          error: "DataRegistryUnauthorized",
          args: [caller.address, args[0]],
        }),
      },
    ],
    submitDataBlock: [
      {
        allowed: ["gateway"],
        args: async () => [id("matrix root"), 1, 1, 2, "ipfs://block"],
        denial: (f, caller) => missingRole(() => f.ledger.GATEWAY_ROLE())(f, caller),
      },
    ],
    recordDispute: [
      {
        // Only the ledger's DataBlockJudge, which is none of the actors: everyone challenges
        // through the judge (its rows below), which judges the proof before it records.
        allowed: [],
        args: async (f, caller) => {
          const { dataBlock } = await blockWithForgery(f);
          return [
            dataBlock.blockId,
            dataBlock.leaf(0),
            f.sourceKey.address,
            caller.address,
            DisputeReason.InvalidSignature,
          ];
        },
        denial: async (_f, caller) => ({ error: "DataRegistryNotJudge", args: [caller.address] }),
      },
    ],
    registerFormat: [
      {
        allowed: OPERATORS,
        args: async () => [id("matrix schema"), "matrix", "1.0.0", "", 0],
        denial: operatorOnly,
      },
    ],
    deprecateFormat: [
      { allowed: OPERATORS, args: async (f) => [f.formatId], denial: operatorOnly },
    ],
    registerSource: [
      {
        allowed: OPERATORS,
        args: async (f) => [
          f.spare[0].address,
          f.sourceOwner.address,
          id("m"),
          "",
          [f.formatId],
          await keyProof(f.ledger, f.spare[0], f.sourceOwner),
        ],
        denial: operatorOnly,
      },
    ],
    setSourceFormats: [
      {
        allowed: OPERATORS,
        args: async (f) => [f.sourceId, [f.otherFormatId], true],
        denial: operatorOnly,
      },
    ],
    suspendSource: [
      { allowed: OPERATORS, args: async (f) => [f.sourceId, 1], denial: operatorOnly },
    ],
    reactivateSource: [
      {
        allowed: OPERATORS,
        args: async (f) => {
          await f.ledger.connect(f.operator).suspendSource(f.sourceId, 1);
          return [f.sourceId];
        },
        denial: operatorOnly,
      },
    ],
    revokeSource: [
      { allowed: OPERATORS, args: async (f) => [f.sourceId, 1], denial: operatorOnly },
    ],
    rotateSourceKey: [
      {
        allowed: ["sourceOwner", ...OPERATORS],
        args: async (f) => [
          f.sourceId,
          f.spare[0].address,
          await keyProof(f.ledger, f.spare[0], f.sourceOwner),
        ],
        denial: async (f, caller) => ({
          error: "SourceRegistryUnauthorized",
          args: [caller.address, f.sourceId],
        }),
      },
    ],
    pause: [{ allowed: ["supervisor", ...OPERATORS], args: async () => [], denial: operatorOnly }],
    beginDefaultAdminTransfer: [
      { allowed: ["admin"], args: async (f) => [f.spare[0].address], denial: missingRoleAdmin },
    ],
    cancelDefaultAdminTransfer: [
      {
        allowed: ["admin"],
        args: async (f) => {
          await f.ledger.connect(f.admin).beginDefaultAdminTransfer(f.spare[0].address);
          return [];
        },
        denial: missingRoleAdmin,
      },
    ],
    acceptDefaultAdminTransfer: [
      {
        variant: "scheduled for the caller",
        allowed: EVERYONE,
        args: async (f, caller) => {
          await dueAdminTransfer(f, caller.address);
          return [];
        },
      },
      {
        variant: "scheduled for another account",
        allowed: [],
        args: async (f) => {
          await dueAdminTransfer(f, f.spare[0].address);
          return [];
        },
        denial: async (_f, caller) => ({
          error: "AccessControlInvalidDefaultAdmin",
          args: [caller.address],
        }),
      },
    ],
    changeDefaultAdminDelay: [
      { allowed: ["admin"], args: async () => [0], denial: missingRoleAdmin },
    ],
    rollbackDefaultAdminDelay: [
      {
        allowed: ["admin"],
        args: async (f) => {
          await f.ledger.connect(f.admin).changeDefaultAdminDelay(0);
          return [];
        },
        denial: missingRoleAdmin,
      },
    ],
    unpause: [
      {
        allowed: OPERATORS,
        args: async (f) => {
          await f.ledger.connect(f.supervisor).pause();
          return [];
        },
        denial: operatorOnly,
      },
    ],
    grantRole: [
      {
        variant: "OPERATOR_ROLE",
        allowed: ["admin"],
        args: async (f) => [await f.ledger.OPERATOR_ROLE(), f.spare[0].address],
        denial: missingRoleAdmin,
      },
      {
        variant: "SUPERVISOR_ROLE",
        allowed: ["admin"],
        args: async (f) => [await f.ledger.SUPERVISOR_ROLE(), f.spare[0].address],
        denial: missingRoleAdmin,
      },
      {
        variant: "USER_ROLE",
        allowed: OPERATORS,
        args: async (f) => [await f.ledger.USER_ROLE(), f.spare[0].address],
        denial: operatorOnly,
      },
      {
        variant: "GATEWAY_ROLE",
        allowed: OPERATORS,
        args: async (f) => [await f.ledger.GATEWAY_ROLE(), f.spare[0].address],
        denial: operatorOnly,
      },
      {
        variant: "SOURCE_ROLE",
        allowed: [],
        args: async (f) => [await f.ledger.SOURCE_ROLE(), f.spare[0].address],
        denial: managedBySourceRegistry,
      },
      {
        variant: "DEFAULT_ADMIN_ROLE",
        allowed: [],
        args: async (f) => [ZeroHash, f.spare[0].address],
        denial: enforcedAdminRules,
      },
    ],
    revokeRole: [
      {
        variant: "SUPERVISOR_ROLE",
        allowed: ["admin"],
        args: async (f) => [await f.ledger.SUPERVISOR_ROLE(), f.supervisor.address],
        denial: missingRoleAdmin,
      },
      {
        variant: "GATEWAY_ROLE",
        allowed: OPERATORS,
        args: async (f) => [await f.ledger.GATEWAY_ROLE(), f.gateway.address],
        denial: operatorOnly,
      },
      {
        variant: "SOURCE_ROLE",
        allowed: [],
        args: async (f) => [await f.ledger.SOURCE_ROLE(), f.sourceKey.address],
        denial: managedBySourceRegistry,
      },
      {
        variant: "DEFAULT_ADMIN_ROLE",
        allowed: [],
        args: async (f) => [ZeroHash, f.admin.address],
        denial: enforcedAdminRules,
      },
    ],
    renounceRole: [
      {
        // The admin's own role is DEFAULT_ADMIN_ROLE, renounced only by the scheduled flow below.
        variant: "own role",
        allowed: ALL_BUT_ADMIN,
        args: async (f, caller, role) => [await primaryRole[role](f), caller.address],
        denial: async () => ({ error: "AccessControlEnforcedDefaultAdminDelay", args: [0n] }),
      },
      {
        variant: "DEFAULT_ADMIN_ROLE once its renouncement is scheduled and due",
        allowed: EVERYONE,
        args: async (f, caller) => {
          await dueAdminTransfer(f, ZeroAddress);
          return [ZeroHash, caller.address];
        },
      },
      {
        variant: "someone else's role",
        allowed: ["user"],
        args: async (f) => [await f.ledger.USER_ROLE(), f.user.address],
        denial: async () => ({ error: "AccessControlBadConfirmation", args: [] }),
      },
      {
        variant: "SOURCE_ROLE",
        allowed: [],
        args: async (f, caller) => [await f.ledger.SOURCE_ROLE(), caller.address],
        denial: managedBySourceRegistry,
      },
    ],
  },
  DataBlockJudge: {
    challenge: [
      {
        allowed: EVERYONE,
        args: async (f) => {
          const { dataBlock } = await blockWithForgery(f);
          return [dataBlock.blockId, dataBlock.operations[0], 0, dataBlock.proof(0)];
        },
      },
    ],
    challengeCount: [
      {
        allowed: EVERYONE,
        args: async (f) => {
          // Two operations anchored as three: slot 2 is empty, so the count is provably wrong.
          const { dataBlock } = await blockWithForgery(f, 3);
          return [dataBlock.blockId, 2, ZeroHash, dataBlock.proof(2)];
        },
      },
    ],
    challengeDuplicate: [
      {
        allowed: EVERYONE,
        args: async (f) => {
          // The same reading in two blocks of two seconds: the later copy is the duplicate.
          const deadline = BigInt(await time.latest()) + 3600n;
          const record = makeRecord("twice", f.formatId);
          const first = await signRecord(f.sourceKey, f.ledger, record, deadline);
          const again = await signRecord(f.sourceKey, f.ledger, record, deadline + 1n);
          for (const op of [first, again]) {
            await f.ledger
              .connect(f.gateway)
              .submitDataBlock(
                buildDataBlock(f.gateway.address, [op]).root,
                1,
                record.sampledAt,
                record.sampledAt,
                "",
              );
          }
          return [
            buildDataBlock(f.gateway.address, [again]).blockId,
            again,
            0,
            [],
            buildDataBlock(f.gateway.address, [first]).blockId,
            first,
            0,
            [],
          ];
        },
      },
    ],
  },
  AccessRegistry: {
    createDataset: [
      {
        allowed: OPERATORS,
        args: async (f) => ["ipfs://dataset-2", [f.sourceId], [f.formatId]],
        denial: async (f, caller) => ({
          error: "AccessRegistryUnauthorized",
          args: [caller.address, await f.ledger.OPERATOR_ROLE()],
        }),
      },
    ],
    setDatasetSources: [
      {
        allowed: ["datasetOwner"],
        args: async (f) => [f.datasetId, [f.sourceId], false],
        denial: notDatasetOwner,
      },
    ],
    setDatasetFormats: [
      {
        allowed: ["datasetOwner"],
        args: async (f) => [f.datasetId, [f.otherFormatId], true],
        denial: notDatasetOwner,
      },
    ],
    transferDataset: [
      {
        allowed: ["datasetOwner"],
        args: async (f) => [f.datasetId, f.operator.address],
        denial: notDatasetOwner,
      },
      {
        variant: "orphaned: its owner left the operators",
        allowed: ["operator"],
        args: async (f) => {
          await orphanDataset(f);
          return [f.datasetId, f.operator.address];
        },
        denial: notAnOperator,
      },
    ],
    grantAccess: [
      {
        allowed: ["datasetOwner"],
        args: async (f) => [f.datasetId, f.user.address, (await time.latest()) + 86_400],
        denial: notDatasetOwner,
      },
    ],
    revokeAccess: [
      {
        allowed: ["datasetOwner"],
        args: async (f) => {
          await f.access
            .connect(f.datasetOwner)
            .grantAccess(f.datasetId, f.user.address, (await time.latest()) + 86_400);
          return [f.datasetId, f.user.address];
        },
        denial: notDatasetOwner,
      },
      {
        variant: "orphaned: its owner left the operators",
        allowed: ["operator"],
        args: async (f) => {
          await f.access
            .connect(f.datasetOwner)
            .grantAccess(f.datasetId, f.user.address, (await time.latest()) + 86_400);
          await orphanDataset(f);
          return [f.datasetId, f.user.address];
        },
        denial: notAnOperator,
      },
    ],
  },
};

async function missingRoleAdmin(_f: LedgerFixture, caller: HardhatEthersSigner): Promise<Denial> {
  return { error: "AccessControlUnauthorizedAccount", args: [caller.address, ZeroHash] };
}

async function managedBySourceRegistry(f: LedgerFixture): Promise<Denial> {
  return { error: "LedgerRolesManagedBySourceRegistry", args: [await f.ledger.SOURCE_ROLE()] };
}

interface AbiItem {
  type: string;
  name?: string;
  stateMutability?: string;
}

async function stateChangingFunctions(contract: ContractName): Promise<string[]> {
  const { abi } = await artifacts.readArtifact(`contracts/${contract}.sol:${contract}`);
  return (abi as readonly AbiItem[])
    .filter(
      (item) =>
        item.type === "function" &&
        item.stateMutability !== "view" &&
        item.stateMutability !== "pure",
    )
    .map((item) => item.name!);
}

function contractOf(f: LedgerFixture, name: ContractName): BaseContract {
  if (name === "DataLedger") return f.ledger;
  return name === "DataBlockJudge" ? f.judge : f.access;
}

const ABI_FUNCTIONS: Record<ContractName, string[]> = {
  DataLedger: await stateChangingFunctions("DataLedger"),
  DataBlockJudge: await stateChangingFunctions("DataBlockJudge"),
  AccessRegistry: await stateChangingFunctions("AccessRegistry"),
};

describe("access-control matrix", function () {
  for (const contractName of ["DataLedger", "DataBlockJudge", "AccessRegistry"] as const) {
    const functions = ABI_FUNCTIONS[contractName];
    const table = CASES[contractName];

    describe(contractName, function () {
      it("has exactly one table row per state-changing function of the ABI", function () {
        expect(
          new Set(functions).size,
          "overloaded functions need rows keyed by signature",
        ).to.equal(functions.length);
        expect(Object.keys(table).sort()).to.deep.equal([...functions].sort());
      });

      for (const fn of functions) {
        const cases = table[fn];
        if (cases === undefined) {
          it(`${fn} has a row in the access-control table`, function () {
            expect.fail(
              `${contractName}.${fn} is in the ABI but not in CASES: decide who may call it`,
            );
          });
          continue;
        }

        for (const row of cases) {
          const label = row.variant === undefined ? fn : `${fn} [${row.variant}]`;
          describe(label, function () {
            for (const role of ROLES) {
              const allowed = row.allowed.includes(role);
              it(`${allowed ? "allows" : "denies"} ${role}`, async function () {
                const f = await networkHelpers.loadFixture(deployLedger);
                const caller = signerOf(f, role);
                const args = await row.args(f, caller, role);
                const contract = contractOf(f, contractName);
                const call = () => contract.connect(caller).getFunction(fn)(...args);

                if (allowed) {
                  const receipt = await (await call()).wait();
                  expect(receipt?.status).to.equal(1);
                  return;
                }
                if (row.denial === undefined)
                  throw new Error(`${label} denies ${role} but has no denial`);
                const { error, args: errorArgs } = await row.denial(f, caller, args);
                const assertion = expect(call()).to.be.revertedWithCustomError(contract, error);
                await (errorArgs.length > 0 ? assertion.withArgs(...errorArgs) : assertion);
              });
            }
          });
        }
      }
    });
  }
});
