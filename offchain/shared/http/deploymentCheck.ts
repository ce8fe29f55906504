import type { Provider } from "ethers";

import { readDeploymentIdentity } from "../../chain/readDeploymentIdentity.js";
import {
  DeploymentMismatchError,
  readBinding,
  sameDeployment,
} from "../../storage/bindDeployment.js";
import type { Queryable } from "../../storage/Database.js";

/**
 * A readiness check that the chain behind `provider` is still the deployment `owner`'s database
 * is bound to: a node restarted empty, or swapped for another, fails it with LEDGER_NOT_DEPLOYED
 * or DEPLOYMENT_MISMATCH while the process keeps running.
 *
 * @example
 * readiness: { deployment: deploymentCheck(db, "representation", provider, ledgerAddress) }
 */
export function deploymentCheck(
  db: Queryable,
  owner: string,
  provider: Provider,
  ledgerAddress: string,
): () => Promise<void> {
  return async () => {
    const [bound, actual] = await Promise.all([
      readBinding(db, owner),
      readDeploymentIdentity(provider, ledgerAddress),
    ]);
    if (bound && !sameDeployment(bound, actual)) {
      throw new DeploymentMismatchError(owner, bound, actual);
    }
  };
}
