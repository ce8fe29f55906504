import type { DeploymentIdentity } from "../chain/readDeploymentIdentity.js";
import { BaseError } from "../shared/BaseError.js";
import type { Database, Queryable } from "./Database.js";
import { migrate, type Migration } from "./migrate.js";

/** Thrown when a database was made for another deployment than the one it is opened against. */
export class DeploymentMismatchError extends BaseError {
  constructor(owner: string, bound: DeploymentIdentity, actual: DeploymentIdentity) {
    const differs = (["chainId", "genesisHash", "ledgerAddress"] as const).filter(
      (key) => bound[key].toLowerCase() !== actual[key].toLowerCase(),
    );
    super(
      "DEPLOYMENT_MISMATCH",
      `The ${owner} database belongs to ledger ${bound.ledgerAddress} on chain ${bound.chainId} ` +
        `(genesis ${bound.genesisHash.slice(0, 10)}…), not to ledger ${actual.ledgerAddress} on chain ` +
        `${actual.chainId} (genesis ${actual.genesisHash.slice(0, 10)}…)`,
      { details: { owner, differs, bound, actual } },
    );
  }
}

const bindingMigrations: Migration[] = [
  {
    id: "storage-001-deployment-bindings",
    sql: `create table deployment_bindings (
            owner text primary key,
            chain_id text not null,
            genesis_hash text not null,
            ledger_address text not null,
            bound_at timestamptz not null default now()
          )`,
  },
];

type BindingRow = { chain_id: string; genesis_hash: string; ledger_address: string };

/**
 * Binds `db` to one deployment for the module `owner` ("representation", "service", …): the first
 * call records the identity, every later one must present the same, or it fails with
 * DEPLOYMENT_MISMATCH and changes nothing. Without it a gateway restarted against a new chain
 * replayed its old nonces forever, and one pointed at a new ledger packed the old ledger's
 * records into blocks on it. Several modules may share one database (one PostgreSQL URL): each
 * owner has its own binding.
 *
 * @example
 * await bindDeployment(db, "representation", await readDeploymentIdentity(provider, ledger));
 */
export async function bindDeployment(
  db: Database,
  owner: string,
  identity: DeploymentIdentity,
): Promise<void> {
  await migrate(db, bindingMigrations);
  await db.transaction(async (tx) => {
    const bound = await readBinding(tx, owner);
    if (!bound) {
      await tx.query(
        `insert into deployment_bindings (owner, chain_id, genesis_hash, ledger_address)
         values ($1, $2, $3, $4) on conflict (owner) do nothing`,
        [owner, identity.chainId, identity.genesisHash.toLowerCase(), identity.ledgerAddress],
      );
      return;
    }
    if (!sameDeployment(bound, identity)) throw new DeploymentMismatchError(owner, bound, identity);
  });
}

/** Whether two identities name the same deployment (addresses and hashes in any case). */
export function sameDeployment(a: DeploymentIdentity, b: DeploymentIdentity): boolean {
  return (
    a.chainId === b.chainId &&
    a.genesisHash.toLowerCase() === b.genesisHash.toLowerCase() &&
    a.ledgerAddress.toLowerCase() === b.ledgerAddress.toLowerCase()
  );
}

/** The deployment `db` is bound to for `owner`, if any. */
export async function readBinding(
  db: Queryable,
  owner: string,
): Promise<DeploymentIdentity | undefined> {
  const [table] = await db.query<{ t: string | null }>(
    "select to_regclass('deployment_bindings')::text as t",
  );
  if (!table?.t) return undefined;
  const [row] = await db.query<BindingRow>(
    "select chain_id, genesis_hash, ledger_address from deployment_bindings where owner = $1",
    [owner],
  );
  return row
    ? { chainId: row.chain_id, genesisHash: row.genesis_hash, ledgerAddress: row.ledger_address }
    : undefined;
}
