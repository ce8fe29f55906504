import type { Provider } from "ethers";

import {
  readDeploymentIdentity,
  type DeploymentIdentity,
} from "../chain/readDeploymentIdentity.js";
import { BaseError } from "../shared/BaseError.js";
import { bindDeployment } from "./bindDeployment.js";
import type { Database } from "./Database.js";

/**
 * A module's database binding to its deployment, for a module that may start while its chain
 * node is down. `bind(identity)` binds at once when the identity could be read at start;
 * otherwise `ensure()` reads it and binds on first contact with the chain, and the module holds
 * back (submits nothing, accepts nothing) until `isBound()`. A retryable failure (the node still
 * down) is tried again at the next `ensure()`; a mismatch is final and every later `ensure()`
 * fails with it.
 *
 * @example
 * const binding = new DeploymentBinding(db, "representation", provider, ledgerAddress);
 * await binding.ensure(); // before the first transaction
 */
export class DeploymentBinding {
  readonly #db: Database;
  readonly #owner: string;
  readonly #provider: Provider;
  readonly #ledgerAddress: string;
  #bound = false;
  #binding: Promise<void> | undefined;
  #failure: unknown;

  constructor(db: Database, owner: string, provider: Provider, ledgerAddress: string) {
    this.#db = db;
    this.#owner = owner;
    this.#provider = provider;
    this.#ledgerAddress = ledgerAddress;
  }

  isBound(): boolean {
    return this.#bound;
  }

  /** Binds to an identity already read; DEPLOYMENT_MISMATCH when the database has another. */
  async bind(identity: DeploymentIdentity): Promise<void> {
    try {
      await bindDeployment(this.#db, this.#owner, identity);
      this.#bound = true;
    } catch (error) {
      if (!isRetryable(error)) this.#failure = error;
      throw error;
    }
  }

  /** Resolves once bound; reads the identity from the chain the first time it can. */
  ensure(): Promise<void> {
    if (this.#bound) return Promise.resolve();
    if (this.#failure) return Promise.reject(this.#failure);
    this.#binding ??= readDeploymentIdentity(this.#provider, this.#ledgerAddress)
      .then((identity) => this.bind(identity))
      .finally(() => (this.#binding = undefined));
    return this.#binding;
  }
}

/** Whether a failure is the kind a retry can cure (the chain or database unreachable). */
export function isRetryable(error: unknown): boolean {
  return error instanceof BaseError && error.retryable;
}
