import { createHash } from 'node:crypto';

/**
 * The live pool page: one card per instance with its state, a countdown to the end of its limit,
 * the reason, and per window usage bars against the limit in force, with its source (configured,
 * catalog, header, learned), when the window frees and, for a day, when its budget runs out, and
 * for an instance with a concurrency cap its calls in flight. It polls `pool.json` every second
 * and ticks the countdowns in between, against the server's clock (the answer carries `now`).
 * Self-contained (no CDN, no framework) so it works offline; text from the pool goes in through
 * textContent only.
 */
const SCRIPT = `
'use strict';
const POLL_MS = 1000;
const WINDOWS = [
  ['minute', 'requests', 'Requests / min'],
  ['minute', 'tokens', 'Tokens / min'],
  ['day', 'requests', 'Requests / day'],
  ['day', 'tokens', 'Tokens / day'],
];
const grid = document.getElementById('instances');
const status = document.getElementById('status');
const summary = document.getElementById('summary');
const source = new URL('pool.json', location.href.replace(/\\/+$/, ''));
let offsetMs = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function remaining(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
}

function number(n) {
  return n >= 10000 ? Math.round(n / 1000) + 'k' : String(n);
}

function clock(iso) {
  return iso ? new Date(iso).toISOString().slice(11, 19) + 'Z' : '';
}

function bar(instance, [window, what, title]) {
  const w = instance.windows[window][what];
  const row = el('div', 'bar');
  row.dataset.window = window;
  row.dataset.what = what;
  row.append(el('span', 'bar-title', title));
  const track = el('div', 'track');
  const fill = el('div', 'fill');
  const share = w.limit ? Math.min(1, w.used / w.limit) : 0;
  fill.style.width = (share * 100).toFixed(1) + '%';
  if (share >= 0.9) fill.classList.add('high');
  track.append(fill);
  row.append(track);
  const figures = w.limit !== null ? number(w.used) + ' / ' + number(w.limit) : number(w.used) + ' (no known limit)';
  row.append(el('span', 'figures', figures));
  const notes = el('span', 'notes');
  if (w.source) notes.append(el('span', 'source', w.source));
  if (w.freesAt) notes.append(el('span', 'frees', 'frees ' + clock(w.freesAt)));
  if (w.exhaustsAt) notes.append(el('span', 'exhausts', 'runs out ' + clock(w.exhaustsAt)));
  row.append(notes);
  return row;
}

function inFlightBar(inFlight) {
  const row = el('div', 'bar');
  row.dataset.what = 'in-flight';
  row.append(el('span', 'bar-title', 'Calls in flight'));
  const track = el('div', 'track');
  const fill = el('div', 'fill');
  const share = Math.min(1, inFlight.calls / inFlight.maxConcurrent);
  fill.style.width = (share * 100).toFixed(1) + '%';
  if (share >= 1) fill.classList.add('high');
  track.append(fill);
  row.append(track);
  row.append(el('span', 'figures', inFlight.calls + ' / ' + inFlight.maxConcurrent));
  return row;
}

function card(instance) {
  const article = el('article', 'instance state-' + instance.state);
  article.dataset.instance = instance.id;
  article.dataset.state = instance.state;
  const head = el('header');
  head.append(el('span', 'badge', instance.state));
  head.append(el('h2', 'model', instance.model));
  head.append(el('span', 'provider', instance.providerId + ' \\u00b7 ' + instance.type));
  article.append(head);
  if (instance.limitedUntil) {
    const until = el('p', 'until', instance.state === 'disabled' ? 'back in ' : 'free in ');
    const countdown = el('span', 'countdown');
    countdown.dataset.until = String(Date.parse(instance.limitedUntil));
    until.append(countdown);
    article.append(until);
  }
  if (instance.reason) article.append(el('p', 'reason', instance.reason));
  const usage = el('div', 'usage');
  if (instance.inFlight) usage.append(inFlightBar(instance.inFlight));
  for (const w of WINDOWS) usage.append(bar(instance, w));
  article.append(usage);
  return article;
}

function tick() {
  const now = Date.now() + offsetMs;
  for (const node of document.querySelectorAll('.countdown')) {
    const left = Number(node.dataset.until) - now;
    node.textContent = remaining(left);
    node.dataset.ms = String(Math.max(0, left));
  }
}

function render(body) {
  offsetMs = Date.parse(body.now) - Date.now();
  grid.replaceChildren(...body.instances.map(card));
  const counts = { available: 0, limited: 0, disabled: 0 };
  for (const i of body.instances) counts[i.state]++;
  summary.textContent =
    body.instances.length + ' instances: ' + counts.available + ' available, ' +
    counts.limited + ' limited, ' + counts.disabled + ' disabled';
  tick();
}

async function poll() {
  try {
    const answer = await fetch(source, { cache: 'no-store', credentials: 'same-origin' });
    if (!answer.ok) throw new Error('HTTP ' + answer.status);
    render(await answer.json());
    status.textContent = 'Live \\u00b7 updated ' + new Date().toLocaleTimeString();
    status.className = 'live';
  } catch (err) {
    status.textContent = 'Cannot read the pool (' + err.message + '); retrying';
    status.className = 'error';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

setInterval(tick, 250);
poll();
`;

const STYLE = `
:root { color-scheme: light; --ok: #1b7f3b; --limited: #b25e00; --disabled: #b3261e; --line: #d8dde3; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0; background: #f5f7f9; color: #1d2329; }
header.page { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; padding: 1rem 1.5rem;
  background: #fff; border-bottom: 1px solid var(--line); }
header.page h1 { font-size: 1.25rem; margin: 0; }
#status.live::before { content: '\\25cf  '; color: var(--ok); }
#status.error { color: var(--disabled); }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 1rem; padding: 1.5rem; }
.instance { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--ok); border-radius: 6px;
  padding: .75rem 1rem; }
.instance.state-limited { border-left-color: var(--limited); }
.instance.state-disabled { border-left-color: var(--disabled); }
.instance header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .25rem .6rem; }
.instance h2 { font-size: 1rem; margin: 0; }
.provider { color: #5b6670; font-size: .85rem; }
.badge { font-size: .75rem; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: #fff;
  background: var(--ok); border-radius: 3px; padding: .05rem .4rem; }
.state-limited .badge { background: var(--limited); }
.state-disabled .badge { background: var(--disabled); }
.until { margin: .5rem 0 0; font-weight: 600; }
.countdown { font-variant-numeric: tabular-nums; }
.reason { margin: .15rem 0 0; color: #5b6670; }
.usage { margin-top: .6rem; display: grid; gap: .45rem; }
.bar { display: grid; grid-template-columns: 1fr auto; gap: .15rem .5rem; font-size: .8rem; }
.bar-title { grid-area: 1 / 1; }
.figures { grid-area: 1 / 2; }
.track { grid-area: 2 / 1 / 3 / 3; height: .5rem; background: #e9edf1; border-radius: 3px; overflow: hidden; }
.fill { height: 100%; background: #3b7dd8; }
.fill.high { background: var(--limited); }
.figures { font-variant-numeric: tabular-nums; color: #3c4650; text-align: right; }
.notes { grid-area: 3 / 1 / 4 / 3; display: flex; gap: .6rem; color: #5b6670; font-size: .75rem; }
.notes:empty { display: none; }
header.page nav { margin-left: auto; }
header.page a { color: #2a62b0; }
`;

export interface PoolPage {
  html: string;
  /** Allows exactly this page's inline script and style, and requests to its own origin. */
  contentSecurityPolicy: string;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export function renderPoolPage(): PoolPage {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>Spillway pool</title>
<style>${STYLE}</style>
</head>
<body>
<header class="page"><h1>Spillway pool</h1><span id="summary"></span><span id="status">Loading…</span>
<nav><a href="queues">Queue dashboard</a> · <a href="../metrics">Metrics</a></nav></header>
<main id="instances"></main>
<script>${SCRIPT}</script>
</body>
</html>
`;
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(SCRIPT)}`,
    `style-src ${sha256(STYLE)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}
