import { API_ERRORS, type ApiErrorCode } from '../errors.js';

type JsonObject = Record<string, unknown>;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * A plain page over the OpenAPI document: every route, every problem code (each with the anchor a
 * problem's `type` points to), and a link to the JSON. No scripts, no CDN: it works offline.
 */
export function renderDocsPage(document: JsonObject): string {
  const paths = document.paths as Record<string, Record<string, { summary?: string; description?: string }>>;
  const rows = Object.entries(paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(
      ([method, op]) =>
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td>` +
        `<td>${escapeHtml(op.summary ?? '')}${op.description ? `<br><small>${escapeHtml(op.description)}</small>` : ''}</td></tr>`,
    ),
  );
  const problems = (Object.keys(API_ERRORS) as ApiErrorCode[]).map(
    (code) =>
      `<tr id="problem-${code}"><td><code>${code}</code></td><td>${API_ERRORS[code].status}</td>` +
      `<td>${escapeHtml(API_ERRORS[code].title)}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Spillway API</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
code { font-size: 90%; } tr:target { background: #fff6c9; }
</style>
</head>
<body>
<h1>Spillway API</h1>
<p>The machine-readable document: <a href="/docs/openapi.json">/docs/openapi.json</a> (OpenAPI 3.1). Every <code>/v1</code> route needs <code>Authorization: Bearer &lt;key&gt;</code>.</p>
<h2>Routes</h2>
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<h2>Problems</h2>
<p>Every error is <code>application/problem+json</code> with a stable <code>code</code>; its <code>type</code> links here.</p>
<table><thead><tr><th>Code</th><th>Status</th><th>Meaning</th></tr></thead><tbody>
${problems.join('\n')}
</tbody></table>
</body>
</html>
`;
}
