import { OpenAPIHono } from "@hono/zod-openapi";
import { expect } from "chai";

import { serveLandingPage } from "../../../../offchain/shared/http/serveLandingPage.js";

describe("offchain/shared/http: serveLandingPage", () => {
  it("names the app and links to its docs, OpenAPI document and probes", async () => {
    const app = new OpenAPIHono();
    serveLandingPage(app, {
      title: "DataLedger service",
      summary: "U2S API: search, read, verify",
    });
    const res = await app.request("/");
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/html; charset=utf-8/i);
    expect(res.headers.get("content-security-policy")).to.contain("default-src 'none'");
    const html = await res.text();
    expect(html).to.contain("<h1>DataLedger service</h1>");
    expect(html).to.contain("U2S API: search, read, verify");
    for (const href of ["/docs", "/openapi.json", "/health", "/ready"]) {
      expect(html).to.contain(`href="${href}"`);
    }
  });

  it("escapes the title and summary", async () => {
    const app = new OpenAPIHono();
    serveLandingPage(app, { title: `<img src=x onerror="alert(1)">`, summary: "a & b" });
    const html = await (await app.request("/")).text();
    expect(html).to.contain("<h1>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</h1>");
    expect(html).to.contain("a &amp; b");
    expect(html).to.not.contain("<img");
  });
});
