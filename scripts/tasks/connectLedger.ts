import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";

import { id } from "ethers";
import { configVariable } from "hardhat/config";

import { readSuiteAddresses } from "../../offchain/chain/deployment.js";
import { BaseError } from "../../offchain/shared/BaseError.js";
import { DataLedger__factory } from "../../types/ethers-contracts/index.js";
import { HHE, hardhatErrorNumber, unsetVariableOf } from "./hardhatErrors.js";
import type { ConnectionChoice } from "./parseConnectionArgs.js";

/** Thrown when no JSON-RPC node answers at the URL a task was pointed at. */
export class NodeUnreachableError extends BaseError {
  constructor(url: string, network: string, cause: unknown) {
    super(
      "NODE_UNREACHABLE",
      `no JSON-RPC node answers at ${url} (network ${network}); start one or pass --rpc-url`,
      { cause, retryable: true, details: { url, network } },
    );
  }
}

/** Thrown when the recorded (or given) ledger address holds no contract on the connected chain. */
export class LedgerNotDeployedError extends BaseError {
  constructor(ledger: string, chainId: bigint) {
    super(
      "LEDGER_NOT_DEPLOYED",
      `no contract at ${ledger} on chain ${chainId}; was the node restarted since the deployment? Deploy again or pass --ledger`,
      { details: { ledger, chainId: chainId.toString() } },
    );
  }
}

/** Thrown when --private-key-var names a variable that is not set, or holds no private key. */
export class SignerKeyError extends BaseError {
  constructor(code: "SIGNER_KEY_NOT_FOUND" | "SIGNER_KEY_INVALID", name: string, reason: string) {
    super(code, `configuration variable ${name} ${reason}`, { details: { variable: name } });
  }
}

/** A task's open connection to a running node and the ledger on it. */
export interface LedgerConnection {
  connection: NetworkConnection;
  networkName: string;
  chainId: bigint;
  ledger: string;
}

/**
 * The network a task connects to. Tasks change a running chain, so Hardhat's in-process network,
 * which forgets everything when the command ends, is refused; --rpc-url alone reaches any node
 * through the `localhost` network's settings.
 */
function chooseNetwork(
  hre: HardhatRuntimeEnvironment,
  rpcUrl: string | undefined,
): { name: string; url: () => Promise<string> } {
  const selected = (hre.globalOptions.network as string | undefined) ?? "default";
  const config = hre.config.networks[selected];
  if (config === undefined) {
    throw new BaseError(
      "NETWORK_UNKNOWN",
      `no network "${selected}" in hardhat.config.ts; one of ${Object.keys(hre.config.networks).join(", ")}`,
      { details: { network: selected } },
    );
  }
  if (config.type === "http") return { name: selected, url: () => config.url.getUrl() };
  const localhost = hre.config.networks.localhost;
  if (rpcUrl !== undefined && localhost?.type === "http") {
    return { name: "localhost", url: () => localhost.url.getUrl() };
  }
  throw new BaseError(
    "NETWORK_IN_PROCESS",
    `network "${selected}" runs inside this command and forgets it when it ends; pass --network localhost (or another http network) or --rpc-url`,
    { details: { network: selected } },
  );
}

/**
 * Opens the connection a task works on, checks that a node answers and finds the ledger: --ledger,
 * else Ignition's record for the chain. `--rpc-url` and `--private-key-var` become Hardhat network
 * overrides, so the key is resolved by Hardhat's configuration variables (keystore, then
 * environment) exactly as a key written in hardhat.config.ts would be.
 */
export async function connectLedger(
  hre: HardhatRuntimeEnvironment,
  choice: ConnectionChoice,
): Promise<LedgerConnection> {
  const network = chooseNetwork(hre, choice.rpcUrl);
  const networkName = network.name;
  const url = choice.rpcUrl ?? (await configuredUrl(networkName, network.url));
  const override = {
    // Always the URL checked here, so Hardhat never meets one it would fail on less clearly.
    url,
    ...(choice.signer.kind === "privateKeyVar" && {
      accounts: [configVariable(choice.signer.name)],
    }),
  };
  const connection = await hre.network.create({ network: networkName, override });
  if (choice.signer.kind === "privateKeyVar") await checkKey(connection, choice.signer.name);

  let chainId: bigint;
  try {
    chainId = BigInt((await connection.provider.request({ method: "eth_chainId" })) as string);
  } catch (error) {
    await connection.close();
    const number = hardhatErrorNumber(error);
    // Other Hardhat errors here are configuration (an unset key variable, say), not the node.
    if (number !== undefined && number !== HHE.CONNECTION_REFUSED && number !== HHE.NETWORK_TIMEOUT)
      throw error;
    throw new NodeUnreachableError(new URL(url).origin, networkName, error);
  }
  try {
    const ledger =
      choice.ledger ?? (await readSuiteAddresses(chainId, hre.config.paths.root)).ledger;
    await requireDataLedger(connection, ledger, chainId);
    return { connection, networkName, chainId, ledger };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** The url a network is configured with (LOCALHOST_RPC_URL for localhost), if it is http(s). */
async function configuredUrl(networkName: string, get: () => Promise<string>): Promise<string> {
  const invalid = (cause?: unknown) =>
    new BaseError(
      "TASK_INVALID_OPTION",
      `the url of network ${networkName} is not an http(s) URL (for localhost: LOCALHOST_RPC_URL)`,
      { cause },
    );
  let url: string;
  try {
    url = await get();
  } catch (error) {
    if (hardhatErrorNumber(error) === HHE.INVALID_CONFIG_VARIABLE_URL) throw invalid(error);
    throw error;
  }
  if (!/^https?:\/\//i.test(url)) throw invalid();
  return url;
}

/**
 * Checks that `ledger` is a DataLedger on this chain: a stale Ignition record (the node restarted)
 * or a --ledger naming another contract would otherwise fail later as an opaque revert.
 */
async function requireDataLedger(connection: NetworkConnection, ledger: string, chainId: bigint) {
  if ((await connection.ethers.provider.getCode(ledger)) === "0x") {
    throw new LedgerNotDeployedError(ledger, chainId);
  }
  const operatorRole = await DataLedger__factory.connect(ledger, connection.ethers.provider)
    .OPERATOR_ROLE()
    .catch(() => undefined);
  if (operatorRole !== id("OPERATOR_ROLE")) {
    throw new BaseError("LEDGER_NOT_DATALEDGER", `the contract at ${ledger} is not a DataLedger`, {
      details: { ledger, chainId: chainId.toString() },
    });
  }
}

/** Resolves the --private-key-var key now, so a missing or malformed one is named as such. */
async function checkKey(connection: NetworkConnection, name: string): Promise<void> {
  const config = connection.networkConfig;
  if (config.type !== "http" || !Array.isArray(config.accounts)) return;
  let key: string;
  try {
    key = await config.accounts[0].getHexString();
  } catch (error) {
    await connection.close();
    const number = hardhatErrorNumber(error);
    if (unsetVariableOf(error) !== undefined) {
      throw new SignerKeyError(
        "SIGNER_KEY_NOT_FOUND",
        name,
        `is not set (npx hardhat keystore set ${name}, or the environment)`,
      );
    }
    if (number === HHE.INVALID_CONFIG_VARIABLE_HEX_STRING) {
      throw new SignerKeyError("SIGNER_KEY_INVALID", name, "does not hold a hex private key");
    }
    throw error;
  }
  if (!/^0x[0-9a-f]{64}$/i.test(key)) {
    await connection.close();
    throw new SignerKeyError("SIGNER_KEY_INVALID", name, "does not hold a 32-byte private key");
  }
}
