import type { OpenAPIHono } from "@hono/zod-openapi";

import { escapeHtml } from "./escapeHtml.js";

/** What `/` says about the app. */
export interface LandingPageInfo {
  /** The app's name, the page's heading: "DataLedger service". */
  title: string;
  /** One line on what it does: "U2S API: search, read, verify". */
  summary: string;
}

const links = [
  { href: "/docs", label: "API documentation", note: "Swagger UI, served from this app" },
  { href: "/openapi.json", label: "OpenAPI document", note: "the routes, machine-readable" },
  { href: "/health", label: "Liveness", note: "the process answers" },
  { href: "/ready", label: "Readiness", note: "its dependencies answer" },
];

// A ledger-block mark, inline so the browser does not ask for /favicon.ico and log its 404.
const icon =
  "data:image/svg+xml," +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
      `<rect x="3" y="3" width="11" height="11" rx="2" fill="#0b5cad"/>` +
      `<rect x="18" y="3" width="11" height="11" rx="2" fill="#0b5cad" opacity=".6"/>` +
      `<rect x="3" y="18" width="11" height="11" rx="2" fill="#0b5cad" opacity=".6"/>` +
      `<rect x="18" y="18" width="11" height="11" rx="2" fill="#0b5cad" opacity=".3"/></svg>`,
  );

// Inline CSS keeps the page one request; nothing on it is loaded from elsewhere.
const style = `
  :root { color-scheme: light dark; --fg: #1d232a; --muted: #5b6570; --line: #d8dde3;
    --card: #ffffff; --bg: #f4f6f8; --accent: #0b5cad; }
  @media (prefers-color-scheme: dark) {
    :root { --fg: #e6e9ed; --muted: #9aa4ae; --line: #333b44; --card: #1b2027;
      --bg: #12161b; --accent: #6cb2ff; }
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--fg);
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
  main { max-width: 46rem; margin: 0 auto; padding: 4rem 1.5rem; }
  .kicker { margin: 0; color: var(--muted); font-size: .8rem; letter-spacing: .08em;
    text-transform: uppercase; }
  h1 { margin: .25rem 0 .5rem; font-size: 2rem; line-height: 1.2; }
  .summary { margin: 0 0 2rem; color: var(--muted); font-size: 1.15rem; }
  ul { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line);
    border-radius: 10px; background: var(--card); overflow: hidden; }
  li + li { border-top: 1px solid var(--line); }
  a { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem 1rem;
    padding: .9rem 1.1rem; color: inherit; text-decoration: none; }
  a:hover, a:focus-visible { background: var(--bg); }
  .label { font-weight: 600; color: var(--accent); }
  code { font: .9rem ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); }
  .note { flex-basis: 100%; color: var(--muted); font-size: .9rem; }
  footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
`;

/**
 * Serves `/`: a plain page naming the app and linking to its API documentation, OpenAPI
 * document and probes, so that whoever opens the bare address finds their way instead of a 404.
 *
 * @example
 * serveLandingPage(app, { title: "DataLedger service", summary: "U2S API: search, read, verify" });
 */
export function serveLandingPage(app: OpenAPIHono, info: LandingPageInfo): void {
  const html = renderLandingPage(info);
  app.get("/", (c) => {
    c.header(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    );
    c.header("X-Content-Type-Options", "nosniff");
    return c.html(html);
  });
}

function renderLandingPage({ title, summary }: LandingPageInfo): string {
  const items = links
    .map(
      ({ href, label, note }) =>
        `<li><a href="${escapeHtml(href)}"><span class="label">${escapeHtml(label)}</span>` +
        `<code>${escapeHtml(href)}</code><span class="note">${escapeHtml(note)}</span></a></li>`,
    )
    .join("\n      ");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(title)}</title>
    <link rel="icon" href="${escapeHtml(icon)}">
    <style>${style}</style>
  </head>
  <body>
    <main>
      <p class="kicker">DataLedger · ITU-T Y.4561</p>
      <h1>${escapeHtml(title)}</h1>
      <p class="summary">${escapeHtml(summary)}</p>
      <ul>
      ${items}
      </ul>
      <footer>Errors answer as JSON: <code>{ "error": { "code", "message", "details" } }</code></footer>
    </main>
  </body>
</html>
`;
}
