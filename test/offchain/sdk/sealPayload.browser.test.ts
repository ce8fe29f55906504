import { existsSync } from "node:fs";
import path from "node:path";

import { expect } from "chai";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";

import {
  createReaderKey,
  hashSealedEnvelope,
  openPayload,
  sealPayload,
  type KeyWrap,
  type SealedEnvelope,
} from "../../../offchain/sdk/index.js";

const CHROMIUM = "/usr/bin/chromium";
const PAYLOAD = { patient: "P-3310", spo2: 97, at: "2026-12-01T10:00:00Z" };

/**
 * The SDK's sealing in a browser: its modules bundled for the browser platform (esbuild fails on
 * a `node:` import there), run in headless Chromium with the page's own Web Crypto randomness,
 * and interoperable with Node both ways.
 */
describe("offchain/sdk: sealPayload / openPayload in a browser", function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}; install it with: apt-get install chromium`);
    }
    const bundle = await build({
      stdin: {
        contents: [
          'export { sealPayload } from "./sealPayload.js";',
          'export { openPayload } from "./openPayload.js";',
          'export { createReaderKey } from "./readerKey.js";',
        ].join("\n"),
        resolveDir: path.join(process.cwd(), "offchain", "sdk"),
        loader: "ts",
      },
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "dataledgerSdk",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.setContent("<!doctype html><title>sdk</title>");
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    expect(errors).to.deep.equal([]);
  });

  after(async () => {
    await browser?.close();
  });

  it("seals in the browser what Node opens", async () => {
    const reader = createReaderKey();
    const sealed = (await page.evaluate(
      ({ payload, key }) =>
        (
          globalThis as unknown as {
            dataledgerSdk: { sealPayload: typeof sealPayload };
          }
        ).dataledgerSdk.sealPayload({ payload, readerKeys: [key] }),
      { payload: PAYLOAD, key: reader.publicKey },
    )) as { envelope: SealedEnvelope; dataHash: `0x${string}`; wraps: KeyWrap[] };
    expect(hashSealedEnvelope(sealed.envelope)).to.equal(sealed.dataHash);
    const opened = openPayload({
      envelope: sealed.envelope,
      dataHash: sealed.dataHash,
      wrap: sealed.wraps[0],
      readerPrivateKey: reader.privateKey,
    });
    expect(opened.payload).to.deep.equal(PAYLOAD);
  });

  it("opens in the browser what Node sealed, and refuses a tampered envelope there too", async () => {
    const reader = createReaderKey();
    const sealed = sealPayload({ payload: PAYLOAD, readerKeys: [reader.publicKey] });
    const tampered = {
      ...sealed.envelope,
      ciphertext: `${sealed.envelope.ciphertext.slice(0, -2)}${sealed.envelope.ciphertext.endsWith("00") ? "01" : "00"}`,
    };
    const result = await page.evaluate(
      ({ sealed, tampered, privateKey }) => {
        const sdk = (
          globalThis as unknown as { dataledgerSdk: { openPayload: typeof openPayload } }
        ).dataledgerSdk;
        const args = {
          dataHash: sealed.dataHash,
          wrap: sealed.wraps[0],
          readerPrivateKey: privateKey,
        };
        let code: string | undefined;
        try {
          sdk.openPayload({ ...args, envelope: tampered });
        } catch (error) {
          code = (error as { code?: string }).code;
        }
        return { payload: sdk.openPayload({ ...args, envelope: sealed.envelope }).payload, code };
      },
      { sealed, tampered, privateKey: reader.privateKey },
    );
    expect(result.payload).to.deep.equal(PAYLOAD);
    expect(result.code).to.equal("ENVELOPE_HASH_MISMATCH");
  });
});
