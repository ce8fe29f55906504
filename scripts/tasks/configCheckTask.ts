import { task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

/**
 * `config:check`, the controlling FE's configuration check (Y.4561 8.4) against a running node:
 *   npx hardhat config:check --network localhost --gateway 0x… --blob-dir data/blobs
 * One line per finding, `CODE  message  (ids)`, or `--json`; exit 1 when anything is found.
 */
const text = (name: string, description: string) => ({
  name,
  description,
  type: ArgumentType.STRING_WITHOUT_DEFAULT,
  defaultValue: undefined,
});

export const configCheckTask = task(
  "config:check",
  "Check the deployed suite's configuration (and the services' when given); exit 1 on any finding",
)
  .addOption(
    text(
      "rpcUrl",
      "JSON-RPC URL of the node (default: the --network's url; localhost's comes from LOCALHOST_RPC_URL)",
    ),
  )
  .addOption(
    text("ledger", "DataLedger address (default: the Ignition deployment recorded for this chain)"),
  )
  .addOption(
    text(
      "accessRegistry",
      "AccessRegistry address (default: the Ignition deployment recorded for this chain)",
    ),
  )
  .addOption(text("gateway", "The representation gateway's address: checks its role and balance"))
  .addOption(
    text("gatewayBlocks", "How many data blocks the gateway's balance must pay for (default 10)"),
  )
  .addOption(
    text(
      "serviceDatabase",
      "The service's database, a postgres:// URL or a PGlite directory (e.g. data/service-db; refused while the system using it runs): checks expired grants against open sessions",
    ),
  )
  .addOption(
    text(
      "formatBaseDir",
      "Base directory of format documents with relative file: URIs (default: the working directory)",
    ),
  )
  .addOption(text("blobDir", "BlobStore directory for blob: format URIs (e.g. data/blobs)"))
  .addOption(
    text(
      "otherLedgers",
      "Comma-separated DataLedger addresses on the same chain whose source keys must not be this ledger's",
    ),
  )
  .addOption(
    text("fromBlock", "First block of the log scan (default: the ledger's deployment block)"),
  )
  .addFlag({ name: "json", description: "Print the findings as one JSON object" })
  .setAction(() => import("./configCheck.js"))
  .build();
