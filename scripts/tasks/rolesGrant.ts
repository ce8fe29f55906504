import { changeRole } from "./changeRole.js";

export default changeRole("grant");
