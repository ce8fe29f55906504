import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";
import type { NewTaskDefinitionBuilder, TaskArguments } from "hardhat/types/tasks";

/**
 * Operator tasks on a running gateway (O2C over C2R, Y.4561 8.4 "configuring data management"):
 *   npx hardhat quotas:set --source 3 --records 600 --period 3600
 *   npx hardhat quotas:list
 *   npx hardhat quotas:remove --source 3
 *   npx hardhat gateway:settings --max-block-size 512 --reset max-wait-ms
 * They reach the gateway's /v1/control/* routes with its control token (default: the one
 * `npm start` keeps in data/control-token) and change nothing on-chain, so no --network or
 * signer is involved. Every task takes --json and --dry-run.
 */

/** Adds --gateway-url, --control-token-file, --json and --dry-run. */
function addC2ROptions<T extends TaskArguments>(builder: NewTaskDefinitionBuilder<T>) {
  return builder
    .addOption({
      name: "gatewayUrl",
      description: "The gateway's base URL (default: GATEWAY_URL, else http://127.0.0.1:8787)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "controlTokenFile",
      description:
        "File holding the gateway's control token (default: GATEWAY_CONTROL_TOKEN from the environment, else data/control-token)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addFlag({ name: "json", description: "Print the result as one JSON document" })
    .addFlag({ name: "dryRun", description: "Print the request that would be sent; send nothing" });
}

const sourceOption = {
  name: "source",
  description: "Required. The source id (decimal, as sources are numbered on-chain)",
  type: ArgumentType.STRING_WITHOUT_DEFAULT,
  defaultValue: undefined,
} as const;

const set = addC2ROptions(
  task("quotas:set", "Set a source's submission quota on the gateway: records per period")
    .addOption(sourceOption)
    .addOption({
      name: "records",
      description: "Required. Records the source may have accepted per period (0 refuses all)",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "period",
      description: "Required. Length of a period in seconds",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    }),
)
  .setAction(() => import("./gatewayControlActions.js").then((m) => ({ default: m.setQuota })))
  .build();

const remove = addC2ROptions(
  task("quotas:remove", "Remove a source's submission quota (no limit then)").addOption(
    sourceOption,
  ),
)
  .setAction(() => import("./gatewayControlActions.js").then((m) => ({ default: m.removeQuota })))
  .build();

const list = addC2ROptions(task("quotas:list", "List the gateway's quotas with their use"))
  .setAction(() => import("./gatewayControlActions.js").then((m) => ({ default: m.listQuotas })))
  .build();

const settings = addC2ROptions(
  task("gateway:settings", "Show or change the gateway's batching and backlog settings, live")
    .addOption({
      name: "maxBlockSize",
      description: "Most operations in one data block",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "maxWaitMs",
      description: "Longest an accepted record waits for its block to fill",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "maxBacklog",
      description: "Records waiting to be anchored before submissions get GATEWAY_BUSY",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    })
    .addOption({
      name: "reset",
      description:
        "Comma-separated settings to return to their start-up values: max-block-size, max-wait-ms, max-backlog",
      type: ArgumentType.STRING_WITHOUT_DEFAULT,
      defaultValue: undefined,
    }),
)
  .setAction(() => import("./gatewayControlActions.js").then((m) => ({ default: m.settings })))
  .build();

export const gatewayControlTasks = [set, remove, list, settings];
