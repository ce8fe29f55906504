import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Two days: long enough for the operators to notice a scheduled admin transfer and react. */
const ADMIN_DELAY_SEC = 2 * 86_400;

/**
 * Deploys the processing FE of Y.4561 wired together: the DataLedger (roles, sources, formats,
 * records, data blocks) and the AccessRegistry that follows its roles.
 *
 * Parameters (DataLedgerModule): `admin`, the DEFAULT_ADMIN_ROLE holder (defaults to the
 * deploying account); `adminDelay`, seconds between scheduling a transfer of that role and its
 * acceptance by the new admin (default two days). Initial roles are granted by a second step, the
 * `roles:init` task (`scripts/tasks/rolesInit.ts`), from `config/roles.<network>.json`.
 */
export default buildModule("DataLedgerModule", (m) => {
  const admin = m.getParameter("admin", m.getAccount(0));
  const adminDelay = m.getParameter("adminDelay", ADMIN_DELAY_SEC);
  const ledger = m.contract("DataLedger", [admin, adminDelay]);
  const accessRegistry = m.contract("AccessRegistry", [ledger]);
  return { ledger, accessRegistry };
});
