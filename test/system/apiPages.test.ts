import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { serve, type ServerType } from "@hono/node-server";
import { expect } from "chai";
import { network } from "hardhat";
import { chromium, type Browser, type Page } from "playwright-core";

import { createGateway, type Gateway } from "../../offchain/representation/createGateway.js";
import { databaseTargets } from "../helpers/databaseTargets.js";
import { setUpRepresentation } from "../helpers/representationFixture.js";
import { createServiceHarness, type ServiceHarness } from "../offchain/service/serviceHarness.js";

/**
 * The two APIs' pages as a person sees them, in headless Chromium with every request that is
 * not to 127.0.0.1 aborted: `/docs` must render the operations from the app's own files, and `/`
 * must name the app. Screenshots go to test-output/screenshots/ for someone to look at.
 */
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = path.join(process.cwd(), "test-output", "screenshots");

type App = { fetch: (request: Request) => Response | Promise<Response> };

function listen(app: App): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
      resolve({ server, url: `http://127.0.0.1:${(info as AddressInfo).port}` }),
    );
  });
}

/** A page whose requests off 127.0.0.1 are aborted, with every failure and console error kept. */
async function openPage(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.hostname === "127.0.0.1") return route.continue();
    problems.push(`aborted off-machine request: ${url.href}`);
    return route.abort();
  });
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return { page, problems, close: () => context.close() };
}

/** The paths of the operations Swagger UI lists, once it has rendered them. */
async function renderedOperations(page: Page): Promise<string[]> {
  const operations = page.locator(".opblock .opblock-summary-path");
  await operations.first().waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  const paths: string[] = [];
  for (let i = 0; i < (await operations.count()); i++) {
    paths.push((await operations.nth(i).getAttribute("data-path")) ?? "");
  }
  return paths;
}

describe("system: API pages in a browser (offline)", function () {
  this.timeout(180_000);
  let browser: Browser;
  let service: ServiceHarness;
  let gateway: Gateway;
  const servers: ServerType[] = [];
  const urls: Record<"gateway" | "service", string> = { gateway: "", service: "" };

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}; install it with: apt-get install chromium`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    await mkdir(SCREENSHOTS, { recursive: true });

    const { open } = databaseTargets()[0];
    service = await createServiceHarness(open);
    const fx = await setUpRepresentation(await network.create());
    gateway = await createGateway({
      ledgerAddress: fx.ledgerAddress,
      provider: fx.provider,
      signer: fx.gatewaySigner,
      database: await open(),
      blobStore: fx.blobStore,
      startLoops: false,
    });
    for (const [name, app] of [
      ["gateway", gateway.app],
      ["service", service.app],
    ] as const) {
      const { server, url } = await listen(app);
      servers.push(server);
      urls[name] = url;
    }
  });

  after(async () => {
    await browser?.close();
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    );
    await gateway?.close();
    await gateway?.db.close();
    await service?.close();
  });

  const cases = [
    {
      name: "gateway",
      heading: "DataLedger representation gateway",
      paths: ["/v1/records", "/v1/records/bulk", "/v1/records/{recordId}", "/health", "/ready"],
    },
    {
      name: "service",
      heading: "DataLedger service",
      paths: [
        "/v1/auth/nonce",
        "/v1/auth/verify",
        "/v1/auth/logout",
        "/v1/records",
        "/v1/verify",
        "/health",
        "/ready",
      ],
    },
  ] as const;

  for (const { name, heading, paths } of cases) {
    it(`renders the ${name}'s operations on /docs from its own files`, async () => {
      const { page, problems, close } = await openPage(browser);
      try {
        const response = await page.goto(`${urls[name]}/docs`);
        expect(response?.status()).to.equal(200);
        const listed = await renderedOperations(page);
        expect(listed).to.include.members([...paths]);
        expect(await page.locator(".info .title").first().textContent()).to.contain("DataLedger");
        await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-docs.png`), fullPage: true });
        expect(problems, problems.join("\n")).to.deep.equal([]);
      } finally {
        await close();
      }
    });

    it(`shows what the ${name} is on /, with a link to /docs`, async () => {
      const { page, problems, close } = await openPage(browser);
      try {
        await page.goto(`${urls[name]}/`);
        expect(await page.locator("h1").textContent()).to.equal(heading);
        const docsLink = page.getByRole("link", { name: /API documentation/ });
        expect(await docsLink.getAttribute("href")).to.equal("/docs");
        await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-home.png`), fullPage: true });
        await docsLink.click();
        await page.waitForURL(`${urls[name]}/docs`);
        await renderedOperations(page);
        expect(problems, problems.join("\n")).to.deep.equal([]);
      } finally {
        await close();
      }
    });
  }
});
