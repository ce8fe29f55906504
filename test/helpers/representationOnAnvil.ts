import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { setUpRepresentation, type RepresentationFixture } from "./representationFixture.js";
import { startLocalNode, type LocalNode } from "./startLocalNode.js";

/** The representation fixture on a spawned Anvil node instead of Hardhat's in-process network. */
export interface AnvilRepresentation {
  anvil: LocalNode;
  connection: NetworkConnection;
  fx: RepresentationFixture;
  /** Closes the connection and kills the node. */
  close(): Promise<void>;
}

/**
 * Starts Anvil and deploys the ledger, the gateway key, the format and a device source on it
 * (`setUpRepresentation`, over Hardhat's `localhost` HTTP network pointed at the node). A gateway
 * then talks to `anvil.url` exactly as it would to any node.
 *
 * @example
 * const { anvil, fx, close } = await setUpRepresentationOnAnvil();
 * const gateway = await createGateway({ rpcUrl: anvil.url, privateKey: fx.gatewaySigner.privateKey, … });
 */
export async function setUpRepresentationOnAnvil(
  options: { anvilArgs?: string[] } = {},
): Promise<AnvilRepresentation> {
  const anvil = await startLocalNode("anvil", { args: options.anvilArgs });
  try {
    const connection = await network.create({
      network: "localhost",
      override: { url: anvil.url },
    });
    const fx = await setUpRepresentation(connection);
    return {
      anvil,
      connection,
      fx,
      async close() {
        await connection.close();
        await anvil.stop();
      },
    };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
