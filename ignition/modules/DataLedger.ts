import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the processing FE of Y.4561 wired together: the DataLedger (roles, sources, formats,
 * records, data blocks) and the AccessRegistry that follows its roles.
 *
 * Parameters (DataLedgerModule): `admin`, the DEFAULT_ADMIN_ROLE holder (defaults to the
 * deploying account). Initial roles are granted by a second step, the `roles:init` task
 * (`scripts/tasks/rolesInit.ts`), from `config/roles.<network>.json`.
 */
export default buildModule("DataLedgerModule", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const ledger = m.contract("DataLedger", [admin]);
  const accessRegistry = m.contract("AccessRegistry", [ledger]);
  return { ledger, accessRegistry };
});
