import { createRequire } from "node:module";

import { OpenAPIHono } from "@hono/zod-openapi";
import { expect } from "chai";

import { serveApiDocs } from "../../../../offchain/shared/http/serveApiDocs.js";

const { version } = createRequire(import.meta.url)("swagger-ui-dist/package.json") as {
  version: string;
};

function docsApp(title = "Test API") {
  const app = new OpenAPIHono();
  serveApiDocs(app, { title });
  return app;
}

describe("offchain/shared/http: serveApiDocs", () => {
  it("serves swagger-ui-dist's files under its version, cacheable for good", async () => {
    const app = docsApp();
    const res = await app.request(`/docs/assets/${version}/swagger-ui-bundle.js`);
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.equal("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).to.contain("immutable");
    expect(await res.text()).to.contain("SwaggerUIBundle");
    const css = await app.request(`/docs/assets/${version}/swagger-ui.css`);
    expect(css.headers.get("content-type")).to.equal("text/css; charset=utf-8");
  });

  it("starts Swagger UI from a script of its own, over /openapi.json, sending nothing away", async () => {
    const app = docsApp();
    const init = await app.request("/docs/init.js");
    expect(init.status).to.equal(200);
    expect(init.headers.get("content-type")).to.equal("text/javascript; charset=utf-8");
    const script = await init.text();
    expect(script).to.contain("SwaggerUIBundle(");
    expect(script).to.match(/validatorUrl: null/);
    const html = await (await app.request("/docs")).text();
    expect(html).to.contain('data-openapi-url="/openapi.json"');
    expect(html).to.not.match(/https?:\/\//);
  });

  it("serves only the files it lists: no other file of the package, no path out of it", async () => {
    const app = docsApp();
    for (const url of [
      `/docs/assets/${version}/package.json`,
      `/docs/assets/${version}/index.html`,
      `/docs/assets/${version}/..%2Fpackage.json`,
      `/docs/assets/${version}/..%2F..%2F..%2Fpackage.json`,
      `/docs/assets/${version}/constructor`,
      `/docs/assets/0.0.0/swagger-ui-bundle.js`,
    ]) {
      expect((await app.request(url)).status, url).to.equal(404);
    }
  });

  it("escapes the title it is given", async () => {
    const html = await (await docsApp(`<script>alert(1)</script>`).request("/docs")).text();
    expect(html).to.contain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).to.not.contain("<script>alert");
  });
});
