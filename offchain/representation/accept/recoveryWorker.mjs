// Worker thread of the gateway's signature pool (createSignatureVerifier, `workers` > 0): recovers
// the signer address of each (digest, signature) pair with native libsecp256k1. Plain JavaScript
// so that it loads without a TypeScript loader in whatever runs the gateway. The main thread has
// already checked each signature's shape, `v` and low `s`, and built the EIP-712 digest.
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

import { createKeccak } from "hash-wasm";

const secp = createRequire(import.meta.url)("secp256k1/bindings");
const keccak = await createKeccak(256);

parentPort.on("message", ({ id, count, digests, signatures }) => {
  const digest = new Uint8Array(digests);
  const signature = new Uint8Array(signatures);
  const addresses = new Uint8Array(count * 20);
  const recovered = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const sig = signature.subarray(i * 65, i * 65 + 65);
    let publicKey;
    try {
      publicKey = secp.ecdsaRecover(
        sig.subarray(0, 64),
        sig[64] - 27,
        digest.subarray(i * 32, i * 32 + 32),
        false,
      );
    } catch {
      continue; // r or s zero or not below the group order, or no point for r
    }
    keccak.init();
    keccak.update(publicKey.subarray(1));
    addresses.set(keccak.digest("binary").subarray(12), i * 20);
    recovered[i] = 1;
  }
  parentPort.postMessage({ id, addresses: addresses.buffer, recovered: recovered.buffer }, [
    addresses.buffer,
    recovered.buffer,
  ]);
});
