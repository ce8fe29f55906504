import {
  parseAddress,
  parseBytes32,
  parseId,
  parseList,
  parseText,
  parseUint,
} from "../../offchain/control/controlArguments.js";
import {
  planReactivateSource,
  planRegisterSource,
  planRevokeSource,
  planRotateSourceKey,
  planSetSourceFormats,
  planSuspendSource,
  readSource,
  type SourceView,
} from "../../offchain/control/sourceOperations.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import {
  controlAction,
  readAction,
  required,
  roleRule,
  type ControlTaskArgs,
} from "./controlTask.js";
import { deviceKeyProof, parseDeviceKeyArgs, type DeviceKeyArgs } from "./deviceKeyProof.js";

/** The actions of the sources:* tasks (definitions in controlTasks.ts). */

interface RegisterArgs extends ControlTaskArgs, DeviceKeyArgs {
  owner?: string;
  metadataUri?: string;
  metadataHash?: string;
  formats?: string;
}

export const register = controlAction({
  parse: (a: RegisterArgs) => ({
    device: parseDeviceKeyArgs(a),
    owner: a.owner === undefined ? undefined : parseAddress("--owner", a.owner),
    metadataURI: parseText("--metadata-uri", required("metadata-uri", a.metadataUri)),
    metadataHash:
      a.metadataHash === undefined ? undefined : parseBytes32("--metadata-hash", a.metadataHash),
    formatIds: parseList("--formats", a.formats, parseBytes32),
  }),
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: async (ctx, env, p) => {
    // The operator that registers owns the source unless --owner says otherwise (as the demo's).
    const owner = p.owner ?? ctx.from;
    const { device, keyProof } = await deviceKeyProof(p.device, owner, env.chainId, env.ledger);
    return planRegisterSource(ctx, { ...p, signer: device, owner, keyProof });
  },
  done: (o) => `registered source ${o.sourceId}`,
});

interface SourceIdArgs extends ControlTaskArgs {
  sourceId?: string;
  reason?: string;
}

const sourceIdOf = (a: SourceIdArgs) => parseId("--source-id", required("source-id", a.sourceId));
const reasonOf = (a: SourceIdArgs) => parseUint("--reason", a.reason ?? "0", 16);

export const suspend = controlAction({
  parse: (a: SourceIdArgs) => ({ sourceId: sourceIdOf(a), reasonCode: reasonOf(a) }),
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: (ctx, _env, p) => planSuspendSource(ctx, p),
  done: (o) => `suspended source ${o.sourceId}`,
});

export const reactivate = controlAction({
  parse: (a: SourceIdArgs) => ({ sourceId: sourceIdOf(a) }),
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: (ctx, _env, p) => planReactivateSource(ctx, p),
  done: (o) => `reactivated source ${o.sourceId}`,
});

export const revoke = controlAction({
  parse: (a: SourceIdArgs) => ({ sourceId: sourceIdOf(a), reasonCode: reasonOf(a) }),
  signer: (env) => roleRule(env.reader, ["operator"]),
  plan: (ctx, _env, p) => planRevokeSource(ctx, p),
  done: (o) => `revoked source ${o.sourceId} for good`,
});

interface RotateArgs extends SourceIdArgs, DeviceKeyArgs {}

export const rotateKey = controlAction({
  parse: (a: RotateArgs) => ({ sourceId: sourceIdOf(a), device: parseDeviceKeyArgs(a) }),
  // An operator, or the source's owner (the device's owner rotates its own key).
  signer: async (env, p) => {
    const operators = await roleRule(env.reader, ["operator"]);
    const { owner } = await env.reader.getSource(p.sourceId);
    return {
      holds: "operator or the source's ownership",
      accepts: async (address) =>
        address.toLowerCase() === owner.toLowerCase() || operators.accepts(address),
      none: operators.none,
    };
  },
  plan: async (ctx, env, p) => {
    const source = await env.reader.getSource(p.sourceId);
    if (Number(source.status) === 0) {
      throw new BaseError("SOURCE_UNKNOWN", `no source has id ${p.sourceId}`, {
        details: { id: String(p.sourceId) },
      });
    }
    // The new key accepts the source's existing owner, also when an operator rotates.
    const proof = await deviceKeyProof(p.device, source.owner, env.chainId, env.ledger);
    return planRotateSourceKey(ctx, {
      sourceId: p.sourceId,
      newSigner: proof.device,
      keyProof: proof.keyProof,
    });
  },
  done: (o) => `source ${o.sourceId} now signs with ${o.signer}`,
});

interface FormatsArgs extends SourceIdArgs {
  formats?: string;
}

function setFormats(allowed: boolean) {
  return controlAction({
    parse: (a: FormatsArgs) => ({
      sourceId: sourceIdOf(a),
      formatIds: parseList("--formats", required("formats", a.formats), parseBytes32),
      allowed,
    }),
    signer: (env) => roleRule(env.reader, ["operator"]),
    plan: (ctx, _env, p) => planSetSourceFormats(ctx, p),
    done: (o) => `${allowed ? "allowed" : "disallowed"} the formats for source ${o.sourceId}`,
  });
}

export const allowFormats = setFormats(true);
export const disallowFormats = setFormats(false);

export const show = readAction({
  parse: (a: SourceIdArgs) => ({ sourceId: sourceIdOf(a) }),
  read: (ctx, _env, p) => readSource(ctx, p.sourceId),
  text: (s: SourceView) => [
    `source ${s.sourceId}: ${s.status}, epoch ${s.epoch}`,
    `  signer   ${s.signer}`,
    `  owner    ${s.owner}`,
    `  metadata ${s.metadataURI} (${s.metadataHash})`,
    `  formats  ${s.allowedFormats.join(", ") || "none"}`,
  ],
});

interface KeyProofArgs extends ControlTaskArgs, DeviceKeyArgs {
  owner?: string;
}

/** Device side: the proof a device gives its operator, printed for `--key-proof`. */
export const keyProof = readAction({
  parse: (a: KeyProofArgs) => {
    const device = parseDeviceKeyArgs(a);
    if (device.kind === "proof") {
      throw new BaseError(
        "TASK_CONFLICTING_OPTIONS",
        "sources:key-proof makes a proof: pass --device-key-file or --device-key-var",
      );
    }
    return { device, owner: parseAddress("--owner", required("owner", a.owner)) };
  },
  read: (_ctx, env, p) => deviceKeyProof(p.device, p.owner, env.chainId, env.ledger),
  text: (p) => [`device ${p.device}`, `key proof ${p.keyProof}`],
});
