import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import type { OpenAPIHono } from "@hono/zod-openapi";

import { escapeHtml } from "./escapeHtml.js";

const require = createRequire(import.meta.url);
// Resolved when the module loads, so a missing swagger-ui-dist stops the app at start-up
// rather than leaving /docs blank.
const distDir = path.dirname(require.resolve("swagger-ui-dist/package.json"));
const { version } = require("swagger-ui-dist/package.json") as { version: string };

/**
 * Where the assets are served. The version is part of the path, so they can be cached for good:
 * another swagger-ui-dist is another address.
 */
const ASSETS_PATH = `/docs/assets/${version}`;
const INIT_PATH = "/docs/init.js";

/** The files of swagger-ui-dist the page uses (a source map only when devtools ask for it). */
const assetTypes: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui.css.map": "application/json; charset=utf-8",
  "index.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-16x16.png": "image/png",
  "favicon-32x32.png": "image/png",
};

// Read once per process and shared by every app in it; the bundle alone is 1.7 MB.
const files = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
const readOnce = (file: string): Promise<Uint8Array<ArrayBuffer>> => {
  let bytes = files.get(file);
  if (!bytes) {
    bytes = readFile(path.join(distDir, file)).then((buffer) => new Uint8Array(buffer));
    // A failed read is not cached: the next request tries again.
    bytes.catch(() => files.delete(file));
    files.set(file, bytes);
  }
  return bytes;
};

const initScript = readFileSync(new URL("./apiDocsInit.js", import.meta.url), "utf8");

// Swagger UI styles elements inline and draws icons from data: URLs; scripts are ours only.
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Serves `/docs`: Swagger UI over the app's `/openapi.json`, every file of it from the pinned
 * `swagger-ui-dist` package through this app, so the page works offline and loads nothing from
 * another origin. Unknown asset names fall through to the app's 404.
 *
 * @example
 * app.doc("/openapi.json", { openapi: "3.0.3", info: { title, version: "1.0.0" } });
 * serveApiDocs(app, { title: "DataLedger service" });
 */
export function serveApiDocs(
  app: OpenAPIHono,
  options: { title: string; openApiPath?: string },
): void {
  const html = renderDocsPage(options.title, options.openApiPath ?? "/openapi.json");

  app.get("/docs", (c) => {
    c.header("Content-Security-Policy", DOCS_CSP);
    c.header("X-Content-Type-Options", "nosniff");
    return c.html(html);
  });

  app.get(INIT_PATH, (c) => {
    // Ours and unversioned: revalidated on every load, so a change shows at once.
    c.header("Cache-Control", "no-cache");
    c.header("X-Content-Type-Options", "nosniff");
    return c.body(initScript, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });

  app.get(`${ASSETS_PATH}/:file`, async (c) => {
    const file = c.req.param("file");
    const type = Object.hasOwn(assetTypes, file) ? assetTypes[file] : undefined;
    if (!type) return c.notFound();
    return c.body(await readOnce(file), 200, {
      "Content-Type": type,
      "Cache-Control": "public, max-age=31536000, immutable",
      "X-Content-Type-Options": "nosniff",
    });
  });
}

function renderDocsPage(title: string, openApiPath: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)} · API documentation</title>
    <link rel="icon" type="image/png" sizes="32x32" href="${ASSETS_PATH}/favicon-32x32.png">
    <link rel="icon" type="image/png" sizes="16x16" href="${ASSETS_PATH}/favicon-16x16.png">
    <link rel="stylesheet" href="${ASSETS_PATH}/swagger-ui.css">
    <link rel="stylesheet" href="${ASSETS_PATH}/index.css">
  </head>
  <body>
    <div id="swagger-ui" data-openapi-url="${escapeHtml(openApiPath)}"></div>
    <script src="${ASSETS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${INIT_PATH}"></script>
  </body>
</html>
`;
}
