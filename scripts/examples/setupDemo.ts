import hre from "hardhat";

import { setUpDemo } from "./demoSetup.js";

/*
 * Example: the set-up of `npm start`'s demo deployment from the operator commands alone, against
 * a node of your own (`npx hardhat node`, or Anvil):
 *
 *   npx hardhat ignition deploy ignition/modules/DataLedger.ts --network localhost \
 *     --parameters scripts/examples/demo.parameters.json
 *   npx hardhat run scripts/examples/setupDemo.ts --network localhost
 *
 * DEVICES (default 4), DEVICE_KEYS_DIR (default data/device-keys) and FORMAT_STORE (default
 * data/blobs) change what it creates. Every step is printed as the command that does it by hand.
 */

const roles = (await import("../../config/roles.localhost.json", { with: { type: "json" } }))
  .default;
const setup = await setUpDemo(hre, {
  devices: Number(process.env.DEVICES ?? 4),
  keysDir: process.env.DEVICE_KEYS_DIR ?? "data/device-keys",
  store: process.env.FORMAT_STORE ?? "data/blobs",
  user: roles.users[0],
});
console.log(
  `demo set up: format ${setup.formatId}, sources ${setup.sourceIds.join(", ")}, dataset ${setup.datasetId}`,
);
