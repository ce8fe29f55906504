import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NewTaskDefinitionBuilder, TaskArguments } from "hardhat/types/tasks";

import { addConnectionOptions } from "./connectionOptions.js";

/**
 * The controlling FE's operator commands (O2C, CLI side; Y.4561 7.1.4, 8.4, 8.8 steps 2'–4'):
 * one task per control operation on the sources, formats, datasets, grants, gateways and the
 * pause. The logic is in offchain/control (checked plans the O2C HTTP API can reuse); the
 * actions here only parse options and print. Every changing task simulates its call as the
 * signer first, takes --dry-run (print the call and its signer, send nothing) and --json, and
 * reports a user error as one `error <CODE>: …` line.
 */

type Action = (args: never, hre: HardhatRuntimeEnvironment) => Promise<unknown>;
type Actions = Record<string, Action>;

// Lazy: a module's code (and the typechain factories) loads only when its task runs.
const sources = () => import("./sourceActions.js") as Promise<unknown> as Promise<Actions>;
const formats = () => import("./formatActions.js") as Promise<unknown> as Promise<Actions>;
const datasets = () => import("./datasetActions.js") as Promise<unknown> as Promise<Actions>;
const ledger = () => import("./ledgerActions.js") as Promise<unknown> as Promise<Actions>;

interface OptionSpec {
  name: string;
  description: string;
  flag?: boolean;
}

function define(
  id: string,
  description: string,
  options: OptionSpec[],
  load: () => Promise<Actions>,
  action: string,
  kind: "change" | "read",
) {
  let builder = task(id, description) as NewTaskDefinitionBuilder<TaskArguments>;
  for (const o of options) {
    builder = o.flag
      ? builder.addFlag({ name: o.name, description: o.description })
      : builder.addOption({
          name: o.name,
          description: o.description,
          type: ArgumentType.STRING_WITHOUT_DEFAULT,
          defaultValue: undefined,
        });
  }
  builder = builder.addOption({
    name: "accessRegistry",
    description:
      "AccessRegistry address (default: the Ignition deployment recorded beside the ledger)",
    type: ArgumentType.STRING_WITHOUT_DEFAULT,
    defaultValue: undefined,
  });
  if (kind === "read") {
    builder = builder.addOption({
      name: "fromBlock",
      description:
        "Block to replay events from (the suite's deployment block; default 0, every block)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    });
  }
  if (kind === "change") {
    builder = builder.addFlag({
      name: "dryRun",
      description:
        "Check the call and print it (to, function, args, calldata, signer); send nothing",
    });
  }
  builder = builder.addFlag({ name: "json", description: "Print one JSON object (for scripts)" });
  return addConnectionOptions(builder)
    .setInlineAction(async (args, hre) => (await load())[action](args as never, hre))
    .build();
}

const R = "Required. ";
const SOURCE_ID = { name: "sourceId", description: `${R}Source id (1, 2, …)` };
const DATASET_ID = { name: "datasetId", description: `${R}Dataset id (1, 2, …)` };
const REASON = { name: "reason", description: "Reason code, 0–65535 (default 0: none given)" };
const FORMATS = (required: boolean) => ({
  name: "formats",
  description: `${required ? R : ""}Format ids (0x…, the schema's keccak256), comma-separated`,
});
const DEVICE_KEY = [
  { name: "device", description: "The device key's address, with --key-proof" },
  {
    name: "keyProof",
    description:
      "The device's proof of possession (0x…, 65 bytes): its EIP-712 SourceKey(key, owner) signature, made on the device with the SDK's signSourceKey or sources:key-proof",
  },
  {
    name: "deviceKeyFile",
    description: "Instead of --key-proof (demo, tests): a file holding the device's private key",
  },
  {
    name: "deviceKeyVar",
    description: "Instead of --key-proof (demo, tests): an environment variable holding it",
  },
];

export const controlTasks = [
  define(
    "sources:register",
    "Register a data source: bind a device key, with its proof of possession, to a new source id",
    [
      ...DEVICE_KEY,
      { name: "metadataUri", description: `${R}Where the source's description document lives` },
      { name: "metadataHash", description: "keccak256 of that document (default: zero)" },
      FORMATS(false),
      { name: "owner", description: "Account responsible for the source (default: the signer)" },
    ],
    sources,
    "register",
    "change",
  ),
  define(
    "sources:suspend",
    "Suspend an active source: its key stops submitting",
    [SOURCE_ID, REASON],
    sources,
    "suspend",
    "change",
  ),
  define(
    "sources:reactivate",
    "Reactivate a suspended source",
    [SOURCE_ID],
    sources,
    "reactivate",
    "change",
  ),
  define(
    "sources:revoke",
    "Revoke a source for good",
    [SOURCE_ID, REASON],
    sources,
    "revoke",
    "change",
  ),
  define(
    "sources:rotate-key",
    "Bind a new device key to a source (the new key's proof names the source's owner)",
    [SOURCE_ID, ...DEVICE_KEY],
    sources,
    "rotateKey",
    "change",
  ),
  define(
    "sources:allow-formats",
    "Allow formats for a source",
    [SOURCE_ID, FORMATS(true)],
    sources,
    "allowFormats",
    "change",
  ),
  define(
    "sources:disallow-formats",
    "Disallow formats for a source",
    [SOURCE_ID, FORMATS(true)],
    sources,
    "disallowFormats",
    "change",
  ),
  define(
    "sources:show",
    "Show a source: key, owner, status, epoch, metadata, allowed formats",
    [SOURCE_ID],
    sources,
    "show",
    "read",
  ),
  define(
    "sources:key-proof",
    "Device side: sign a device key's proof of possession for --key-proof (nothing is sent)",
    [
      DEVICE_KEY[2],
      DEVICE_KEY[3],
      { name: "owner", description: `${R}The owner the key accepts (the source's owner)` },
    ],
    sources,
    "keyProof",
    "read",
  ),
  define(
    "formats:register",
    "Register a format from a JSON Schema file: publish the document where the gateway fetches it, register its keccak256 and URI",
    [
      { name: "schema", description: `${R}The JSON Schema file` },
      { name: "name", description: `${R}Format name, e.g. air-quality` },
      { name: "formatVersion", description: `${R}Format version, e.g. 1.0.0` },
      {
        name: "store",
        description:
          "BlobStore directory the gateway reads (default BLOB_DIR, else data/blobs, npm start's); registers blob:<hash>",
      },
      {
        name: "uri",
        description:
          "Instead of --store: where the document is already published (file:, http(s):); checked to serve the file's bytes",
      },
      {
        name: "uniqueDataHashes",
        description:
          "FORMAT_UNIQUE_DATA_HASHES: at most one active record per data hash (direct or relayed records only)",
        flag: true,
      },
    ],
    formats,
    "register",
    "change",
  ),
  define(
    "formats:deprecate",
    "Deprecate a format: anchored records keep it, new ones cannot use it",
    [{ name: "formatId", description: `${R}Format id (0x…)` }],
    formats,
    "deprecate",
    "change",
  ),
  define(
    "formats:show",
    "Show a format (or every format without --format-id)",
    [{ name: "formatId", description: "Format id (0x…); default: all" }],
    formats,
    "show",
    "read",
  ),
  define(
    "datasets:create",
    "Create a dataset owned by the signer (an operator)",
    [
      { name: "uri", description: `${R}Where the dataset's description lives` },
      { name: "sources", description: "Source ids, comma-separated" },
      FORMATS(false),
    ],
    datasets,
    "create",
    "change",
  ),
  define(
    "datasets:add-sources",
    "Add sources to a dataset",
    [DATASET_ID, { name: "sources", description: `${R}Source ids, comma-separated` }],
    datasets,
    "addSources",
    "change",
  ),
  define(
    "datasets:remove-sources",
    "Remove sources from a dataset",
    [DATASET_ID, { name: "sources", description: `${R}Source ids, comma-separated` }],
    datasets,
    "removeSources",
    "change",
  ),
  define(
    "datasets:add-formats",
    "Add formats to a dataset",
    [DATASET_ID, FORMATS(true)],
    datasets,
    "addFormats",
    "change",
  ),
  define(
    "datasets:remove-formats",
    "Remove formats from a dataset",
    [DATASET_ID, FORMATS(true)],
    datasets,
    "removeFormats",
    "change",
  ),
  define(
    "datasets:transfer",
    "Hand a dataset to another operator",
    [DATASET_ID, { name: "to", description: `${R}The new owner (an operator)` }],
    datasets,
    "transfer",
    "change",
  ),
  define(
    "datasets:show",
    "Show a dataset: owner, URI, sources, formats",
    [DATASET_ID],
    datasets,
    "show",
    "read",
  ),
  define(
    "access:grant",
    "Grant a data user read access to a dataset until an expiry",
    [
      DATASET_ID,
      { name: "user", description: `${R}The data user (holds the user role)` },
      {
        name: "expires",
        description: `${R}The grant's last second: a duration from now (30d, 12h, 90m), unix seconds, or an ISO 8601 date`,
      },
    ],
    datasets,
    "grant",
    "change",
  ),
  define(
    "access:revoke",
    "Revoke a data user's live grant on a dataset",
    [DATASET_ID, { name: "user", description: `${R}The data user` }],
    datasets,
    "revoke",
    "change",
  ),
  define(
    "access:list",
    "List the grants on a dataset, live or ended",
    [DATASET_ID],
    datasets,
    "list",
    "read",
  ),
  define(
    "gateways:grant",
    "Grant the gateway role (the representation FE's on-chain identity) to an account",
    [{ name: "account", description: `${R}The gateway's address` }],
    ledger,
    "gatewayGrant",
    "change",
  ),
  define(
    "gateways:revoke",
    "Revoke the gateway role from an account",
    [{ name: "account", description: `${R}The gateway's address` }],
    ledger,
    "gatewayRevoke",
    "change",
  ),
  define(
    "roles:list",
    "List the current holders of a role (replayed from the ledger's role events)",
    [
      {
        name: "role",
        description: `${R}One of: admin, operator, supervisor, gateway, user, source`,
      },
    ],
    ledger,
    "rolesList",
    "read",
  ),
  define(
    "ledger:pause",
    "Pause every submission path (operators and supervisors)",
    [],
    ledger,
    "pause",
    "change",
  ),
  define("ledger:unpause", "Resume submissions (operators)", [], ledger, "unpause", "change"),
  define(
    "ledger:status",
    "Show whether the ledger is paused, and its source and format counts",
    [],
    ledger,
    "status",
    "read",
  ),
];
