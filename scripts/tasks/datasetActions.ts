import { ZeroAddress } from "ethers";

import {
  parseAddress,
  parseBytes32,
  parseExpiry,
  parseId,
  parseList,
  parseText,
} from "../../offchain/control/controlArguments.js";
import { requireAccessRegistry } from "../../offchain/control/controlPlan.js";
import {
  listGrants,
  planCreateDataset,
  planGrantAccess,
  planRevokeAccess,
  planSetDatasetFormats,
  planSetDatasetSources,
  planTransferDataset,
  readDataset,
  type DatasetView,
  type GrantView,
} from "../../offchain/control/datasetOperations.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import { AccessRegistry__factory } from "../../types/ethers-contracts/index.js";
import type { SignerRule } from "./chooseSigner.js";
import {
  controlAction,
  readAction,
  required,
  roleRule,
  type ControlTaskArgs,
  type TaskEnv,
} from "./controlTask.js";

/** The actions of the datasets:* and access:* tasks (definitions in controlTasks.ts). */

interface DatasetArgs extends ControlTaskArgs {
  datasetId?: string;
  uri?: string;
  sources?: string;
  formats?: string;
  to?: string;
  user?: string;
  expires?: string;
}

const datasetIdOf = (a: DatasetArgs) =>
  parseId("--dataset-id", required("dataset-id", a.datasetId));
const sourcesOf = (a: DatasetArgs) => parseList("--sources", a.sources, parseId);
const formatsOf = (a: DatasetArgs) => parseList("--formats", a.formats, parseBytes32);

/**
 * Default signer of a dataset's operations: its owner, when it is one of this connection's
 * accounts; otherwise (an orphaned dataset that any operator may take over) the first operator,
 * and the registry decides.
 */
async function ownerRule(env: TaskEnv, datasetId: bigint): Promise<SignerRule> {
  const access = AccessRegistry__factory.connect(
    requireAccessRegistry(env),
    env.connection.ethers.provider,
  );
  const [owner] = await access.getDataset(datasetId);
  if (owner === ZeroAddress) {
    throw new BaseError("DATASET_UNKNOWN", `no dataset has id ${datasetId}`, {
      details: { id: String(datasetId) },
    });
  }
  const operators = await roleRule(env.reader, ["operator"]);
  const signers = await env.connection.ethers.getSigners();
  const ownerIsHere = signers.some((s) => s.address.toLowerCase() === owner.toLowerCase());
  return {
    holds: ownerIsHere ? "the dataset's ownership" : "operator",
    accepts: async (address) =>
      ownerIsHere ? address.toLowerCase() === owner.toLowerCase() : operators.accepts(address),
    none: operators.none,
  };
}

const common = { needsAccessRegistry: true } as const;

export const create = controlAction({
  ...common,
  parse: (a: DatasetArgs) => ({
    uri: parseText("--uri", required("uri", a.uri)),
    sourceIds: sourcesOf(a),
    formatIds: formatsOf(a),
  }),
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: (ctx, _env, p) => planCreateDataset(ctx, p),
  done: (o) => `created dataset ${o.datasetId}`,
});

function setSources(included: boolean) {
  return controlAction({
    ...common,
    parse: (a: DatasetArgs) => ({
      datasetId: datasetIdOf(a),
      sourceIds: parseList("--sources", required("sources", a.sources), parseId),
      included,
    }),
    signer: (env, p) => ownerRule(env, p.datasetId),
    plan: (ctx, _env, p) => planSetDatasetSources(ctx, p),
    done: (o) =>
      `${included ? "added the sources to" : "removed the sources from"} dataset ${o.datasetId}`,
  });
}

function setFormats(included: boolean) {
  return controlAction({
    ...common,
    parse: (a: DatasetArgs) => ({
      datasetId: datasetIdOf(a),
      formatIds: parseList("--formats", required("formats", a.formats), parseBytes32),
      included,
    }),
    signer: (env, p) => ownerRule(env, p.datasetId),
    plan: (ctx, _env, p) => planSetDatasetFormats(ctx, p),
    done: (o) =>
      `${included ? "added the formats to" : "removed the formats from"} dataset ${o.datasetId}`,
  });
}

export const addSources = setSources(true);
export const removeSources = setSources(false);
export const addFormats = setFormats(true);
export const removeFormats = setFormats(false);

export const transfer = controlAction({
  ...common,
  parse: (a: DatasetArgs) => ({
    datasetId: datasetIdOf(a),
    newOwner: parseAddress("--to", required("to", a.to)),
  }),
  signer: (env, p) => ownerRule(env, p.datasetId),
  plan: (ctx, _env, p) => planTransferDataset(ctx, p),
  done: (o) => `dataset ${o.datasetId} is now owned by ${o.owner}`,
});

export const show = readAction({
  ...common,
  parse: (a: DatasetArgs) => ({ datasetId: datasetIdOf(a) }),
  read: (ctx, _env, p) => readDataset(ctx, p.datasetId),
  text: (d: DatasetView) => [
    `dataset ${d.datasetId}: ${d.uri}`,
    `  owner   ${d.owner}`,
    `  sources ${d.sourceIds.join(", ") || "none"}`,
    `  formats ${d.formatIds.join(", ") || "none"}`,
  ],
});

export const grant = controlAction({
  ...common,
  parse: (a: DatasetArgs) => ({
    datasetId: datasetIdOf(a),
    user: parseAddress("--user", required("user", a.user)),
    expires: required("expires", a.expires),
  }),
  signer: (env, p) => ownerRule(env, p.datasetId),
  plan: async (ctx, env, p) => {
    // Durations count from the chain's clock, which a test chain may have moved from the wall's.
    const latest = await env.connection.ethers.provider.getBlock("latest");
    const expiresAt = parseExpiry("--expires", p.expires, BigInt(latest!.timestamp));
    return planGrantAccess(ctx, { datasetId: p.datasetId, user: p.user, expiresAt });
  },
  done: (o) =>
    `granted ${o.user} read access to dataset ${o.datasetId} until ${new Date(Number(o.expiresAt) * 1000).toISOString()} (${o.expiresAt})`,
});

export const revoke = controlAction({
  ...common,
  parse: (a: DatasetArgs) => ({
    datasetId: datasetIdOf(a),
    user: parseAddress("--user", required("user", a.user)),
  }),
  signer: (env, p) => ownerRule(env, p.datasetId),
  plan: (ctx, _env, p) => planRevokeAccess(ctx, p),
  done: (o) => `revoked ${o.user}'s access to dataset ${o.datasetId}`,
});

export const list = readAction({
  ...common,
  parse: (a: DatasetArgs) => ({ datasetId: datasetIdOf(a) }),
  read: async (ctx, _env, p) => ({
    datasetId: p.datasetId,
    grants: await listGrants(ctx, p.datasetId),
  }),
  text: ({ datasetId, grants }: { datasetId: bigint; grants: GrantView[] }) =>
    grants.length === 0
      ? [`no grants on dataset ${datasetId}`]
      : grants.map((g) =>
          `${g.user} ${g.live ? "live until" : "ended"} ${g.expiresAt === 0n ? "" : new Date(Number(g.expiresAt) * 1000).toISOString()}`.trimEnd(),
        ),
});
