import { changeRole, type ChangeRoleArgs } from "./changeRole.js";
import { runTask } from "./runTask.js";

export default runTask<ChangeRoleArgs>((args, hre) => changeRole("revoke", args, hre));
