import { expect } from "chai";

type App = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };

const contentTypes: Record<string, RegExp> = {
  ".css": /^text\/css\b/,
  ".js": /^text\/javascript\b/,
  ".png": /^image\/png$/,
  ".json": /^application\/json\b/,
};

/**
 * Asserts an app's front door through `app.request()`: `/` names the app under `heading` and
 * links to the docs and probes; `/docs` loads only same-origin files and no inline script, every
 * file it references answers 200 with its content type; `/health` is alive; and `/openapi.json`
 * documents `/health` and `/ready` beside `paths`.
 *
 * @example
 * await expectApiPages(app, "DataLedger service", ["/v1/verify"]);
 */
export async function expectApiPages(app: App, heading: string, paths: string[]): Promise<void> {
  const home = await app.request("/");
  expect(home.status).to.equal(200);
  expect(home.headers.get("content-type")).to.match(/^text\/html/);
  const homeHtml = await home.text();
  expect(homeHtml).to.contain(`<h1>${heading}</h1>`);
  for (const link of ["/docs", "/openapi.json", "/health", "/ready"]) {
    expect(homeHtml).to.contain(`href="${link}"`);
  }
  expect(homeHtml, "the landing page loads nothing").to.not.match(/<script|<link rel="stylesheet"/);

  const docs = await app.request("/docs");
  expect(docs.status).to.equal(200);
  expect(docs.headers.get("content-type")).to.match(/^text\/html/);
  expect(docs.headers.get("content-security-policy")).to.contain("script-src 'self'");
  const docsHtml = await docs.text();
  const scripts = [...docsHtml.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).to.be.greaterThan(0);
  for (const [, attributes, body] of scripts) {
    expect(attributes, "scripts are files, not inline").to.match(/\bsrc="/);
    expect(body.trim()).to.equal("");
  }
  const referenced = [...docsHtml.matchAll(/\b(?:src|href|data-openapi-url)="([^"]*)"/g)].map(
    ([, url]) => url,
  );
  expect(referenced).to.include.members(["/openapi.json", "/docs/init.js"]);
  expect(referenced.some((url) => url.endsWith("/swagger-ui-bundle.js"))).to.equal(true);
  expect(referenced.some((url) => url.endsWith("/swagger-ui.css"))).to.equal(true);
  for (const url of referenced) {
    expect(url, "same-origin, absolute path").to.match(/^\/(?!\/)/);
    const res = await app.request(url);
    expect(res.status, url).to.equal(200);
    const ext = url.slice(url.lastIndexOf("."));
    expect(res.headers.get("content-type"), url).to.match(contentTypes[ext]);
    expect((await res.arrayBuffer()).byteLength, url).to.be.greaterThan(0);
  }

  const health = await app.request("/health");
  expect(health.status).to.equal(200);
  expect(await health.json()).to.deep.equal({ status: "ok" });

  const doc = (await (await app.request("/openapi.json")).json()) as { paths: object };
  expect(Object.keys(doc.paths)).to.include.members(["/health", "/ready", ...paths]);
}
