import { createC2RClient, readControlToken, type C2RClient } from "../../offchain/control/c2r.js";
import {
  GatewaySettingsSchema,
  type GatewaySettings,
  type GatewaySettingsPatch,
} from "../../offchain/representation/control/GatewayControl.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import { runTask } from "./runTask.js";

/** The options every C2R task takes. */
interface C2RArgs {
  gatewayUrl?: string;
  controlTokenFile?: string;
  json: boolean;
  dryRun: boolean;
}

const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8787";
const DEFAULT_TOKEN_FILE = "data/control-token";

function badArgument(name: string, message: string): BaseError {
  return new BaseError("ARGUMENT_INVALID", `--${name}: ${message}`, { details: { option: name } });
}

/** A whole number in [min, max] from a task option; `undefined` when absent and not required. */
function integerArg(name: string, value: string | undefined, min: number, max: number) {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw badArgument(name, `expected a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function sourceIdArg(value: string | undefined): bigint {
  if (value === undefined) throw badArgument("source", "required");
  if (!/^[1-9][0-9]{0,19}$/.test(value)) {
    throw badArgument("source", `expected a source id (a whole number above 0), got "${value}"`);
  }
  return BigInt(value);
}

async function connect(args: C2RArgs): Promise<{ url: string; client: C2RClient }> {
  const url = args.gatewayUrl ?? process.env.GATEWAY_URL ?? DEFAULT_GATEWAY_URL;
  if (!/^https?:\/\/[^/]/.test(url)) throw badArgument("gateway-url", `not an http(s) URL: ${url}`);
  const fromEnv =
    args.controlTokenFile === undefined ? process.env.GATEWAY_CONTROL_TOKEN : undefined;
  const token = fromEnv ?? (await readControlToken(args.controlTokenFile ?? DEFAULT_TOKEN_FILE));
  return { url, client: createC2RClient({ gatewayUrl: url, token }) };
}

/** Prints what a dry run would send: the C2R request, and that no key signs it. */
function printDryRun(args: C2RArgs, url: string, method: string, path: string, body?: unknown) {
  const request = { method, url: `${url.replace(/\/+$/, "")}/v1/control${path}`, body };
  if (args.json) console.log(JSON.stringify({ dryRun: true, request }));
  else {
    console.log(`dry run: would send ${request.method} ${request.url}`);
    if (body !== undefined) console.log(`  body ${JSON.stringify(body)}`);
    console.log("  with the gateway's control token; no on-chain transaction, no key signs");
  }
}

export const setQuota = runTask<C2RArgs & { source?: string; records?: string; period?: string }>(
  async (args) => {
    const sourceId = sourceIdArg(args.source);
    const records = integerArg("records", args.records, 0, 1_000_000_000);
    const periodSec = integerArg("period", args.period, 1, 31_622_400);
    if (records === undefined) throw badArgument("records", "required");
    if (periodSec === undefined) throw badArgument("period", "required");
    const { url, client } = await connect(args);
    const quota = { records, periodSec };
    if (args.dryRun) return printDryRun(args, url, "PUT", `/quotas/${sourceId}`, quota);
    const state = await client.setQuota(sourceId, quota);
    if (args.json) console.log(JSON.stringify(state));
    else {
      console.log(
        `source ${state.sourceId}: ${state.records} records per ${state.periodSec} s ` +
          `(${state.used} used this period, resets at ${new Date(state.resetsAt * 1000).toISOString()})`,
      );
    }
  },
);

export const removeQuota = runTask<C2RArgs & { source?: string }>(async (args) => {
  const sourceId = sourceIdArg(args.source);
  const { url, client } = await connect(args);
  if (args.dryRun) return printDryRun(args, url, "DELETE", `/quotas/${sourceId}`);
  await client.removeQuota(sourceId);
  if (args.json) console.log(JSON.stringify({ sourceId: sourceId.toString(), removed: true }));
  else console.log(`source ${sourceId}: no quota`);
});

export const listQuotas = runTask<C2RArgs>(async (args) => {
  const { url, client } = await connect(args);
  if (args.dryRun) return printDryRun(args, url, "GET", "/quotas");
  const quotas = await client.listQuotas();
  if (args.json) return console.log(JSON.stringify({ quotas }));
  if (quotas.length === 0) return console.log("no quotas: every source may submit without limit");
  for (const q of quotas) {
    console.log(
      `source ${q.sourceId}: ${q.used}/${q.records} records this ${q.periodSec} s period`,
    );
  }
});

/** --max-block-size and friends, by setting name. */
const SETTING_OPTIONS: Record<keyof GatewaySettings, string> = {
  maxBlockSize: "max-block-size",
  maxWaitMs: "max-wait-ms",
  maxBacklog: "max-backlog",
};

export const settings = runTask<
  C2RArgs & Partial<Record<keyof GatewaySettings, string>> & { reset?: string }
>(async (args) => {
  const patch: GatewaySettingsPatch = {};
  for (const [name, option] of Object.entries(SETTING_OPTIONS) as [
    keyof GatewaySettings,
    string,
  ][]) {
    const bounds = GatewaySettingsSchema.shape[name];
    const value = integerArg(
      option,
      args[name],
      bounds.minValue ?? 0,
      bounds.maxValue ?? Number.MAX_SAFE_INTEGER,
    );
    if (value !== undefined) patch[name] = value;
  }
  for (const option of (args.reset ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean)) {
    const name = (Object.keys(SETTING_OPTIONS) as (keyof GatewaySettings)[]).find(
      (n) => SETTING_OPTIONS[n] === option,
    );
    if (!name) {
      throw badArgument(
        "reset",
        `unknown setting "${option}" (${Object.values(SETTING_OPTIONS).join(", ")})`,
      );
    }
    if (patch[name] !== undefined) throw badArgument("reset", `--${option} is both set and reset`);
    patch[name] = null;
  }
  const { url, client } = await connect(args);
  const change = Object.keys(patch).length > 0;
  if (args.dryRun) {
    return change
      ? printDryRun(args, url, "PATCH", "/settings", patch)
      : printDryRun(args, url, "GET", "/settings");
  }
  const state = change ? await client.updateSettings(patch) : await client.readSettings();
  if (args.json) return console.log(JSON.stringify(state));
  for (const [name, option] of Object.entries(SETTING_OPTIONS) as [
    keyof GatewaySettings,
    string,
  ][]) {
    const note = state.overridden.includes(name) ? "set by an operator" : "start-up value";
    console.log(`${option} ${state.settings[name]} (${note})`);
  }
});
