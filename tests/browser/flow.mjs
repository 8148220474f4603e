#!/usr/bin/env node
// Kanalvakt end-to-end test in a real browser (Debian's Chromium, driven by
// playwright-core; accessibility checked with axe-core).
//
//   node flow.mjs http://127.0.0.1:43123
//
// Expects a running server with the demo data loaded (every demo user's
// password is "kanalvakt-demo"). Exits 0 only when every check passed; the
// last line is "N passed, N failed". Full-page screenshots of every page
// visited go to ./screenshots/NN-name.png (cleared at start).
//
// Environment:
//   CHROMIUM     browser binary (default /usr/bin/chromium)
//   TIMEOUT_MS   timeout of one browser action (default 10000)
//   AXE_ALL=1    also axe-check every staff page visited, not only the listed ones
//   HEADED=1     show the browser (needs a display)

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_VERSION = require('axe-core/package.json').version;
const PW_VERSION = require('playwright-core/package.json').version;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(HERE, 'screenshots');
const TIMEOUT = Number(process.env.TIMEOUT_MS || 10_000);
const STEP_TIMEOUT = TIMEOUT * 3; // a step does several actions, each bounded by TIMEOUT
const AXE_ALL = process.env.AXE_ALL === '1';
const PASSWORD = 'kanalvakt-demo';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const CHANNEL = {
  name: 'Sjöviks ungdomsgård',
  handle: 'sjoviksungdomsgard',
  url: 'https://www.tiktok.com/@sjoviksungdomsgard',
  unit: 'Kultur- och fritidsförvaltningen',
};

// ---------------------------------------------------------------- arguments

const baseArg = process.argv[2];
if (!baseArg || !/^https?:\/\//.test(baseArg)) {
  console.error('usage: node flow.mjs BASE_URL   (e.g. http://127.0.0.1:43123)');
  process.exit(2);
}
const BASE = baseArg.replace(/\/+$/, '');
const BASE_ORIGIN = new URL(BASE).origin;

// ---------------------------------------------------------------- bookkeeping

let passed = 0;
let failed = 0;
const failures = [];
const warnings = [];
let shotNo = 0;
let page; // the one page the whole scenario runs in
let context;
let browser;

function log(msg) {
  console.log(msg);
}
function pass(what) {
  passed++;
  log(`  ✓ ${what}`);
}
function fail(what, detail = '') {
  failed++;
  failures.push(what); // the detail is printed once, here:
  log(`  ✗ ${what}${detail ? '\n' + indent(detail, 6) : ''}`);
}
function warn(what) {
  warnings.push(what);
  log(`  ! ${what}`);
}
function indent(s, n) {
  const pad = ' '.repeat(n);
  return String(s).split('\n').map((l) => pad + l).join('\n');
}
/** A check that does not stop the scenario. */
function check(cond, what, detail = '') {
  if (cond) pass(what);
  else fail(what, detail);
  return !!cond;
}
/** A check the rest of the scenario depends on: throws, which ends the run. */
class StepError extends Error {
  constructor(message, { withContext = false } = {}) {
    super(message);
    this.withContext = withContext; // the message already says what the page shows
  }
}
function must(cond, what, detail = '') {
  if (cond) {
    pass(what);
    return;
  }
  throw new StepError(detail ? `${what}\n${detail}` : what, { withContext: !!detail });
}
const stripAnsi = (s) => String(s).replace(/\u001b\[[0-9;]*m/g, '');

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StepError(`step "${what}" took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

/** Run one named step; on an exception, report it with page context and end the run. */
async function step(name, fn) {
  log(`\n▶ ${name}`);
  const t0 = Date.now();
  try {
    await withTimeout(fn(), STEP_TIMEOUT, name);
    log(`  (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    const [first, ...rest] = stripAnsi(e instanceof Error ? e.message : e).split('\n');
    const ctx = e instanceof StepError && e.withContext ? '' : await pageContext();
    // Where in this script, for errors that are not a described check (a Playwright timeout, a bug here).
    const where = e instanceof StepError ? '' : (String(e?.stack || '').match(/flow\.mjs:\d+/g) || []).slice(0, 2).join(' ← ');
    const detail = [...rest, where && `(in ${where})`, ctx].filter((l) => l && l.trim()).join('\n');
    failures.push(`${name}: ${first}`);
    log(`  ✗ ${name}: ${first}${detail ? '\n' + indent(detail, 6) : ''}`);
    await withTimeout(shot(`FAILED-${slug(name)}`), TIMEOUT, 'failure screenshot').catch((err) => log(`  · no failure screenshot: ${stripAnsi(err.message).split('\n')[0]}`));
    await finish(1);
  }
}

function slug(s) {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50);
}

async function shot(name) {
  if (!page) return;
  shotNo++;
  const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${slug(name)}.png`);
  await page.screenshot({ path: file, fullPage: true, timeout: TIMEOUT });
  log(`  · screenshot ${path.relative(process.cwd(), file) || file}`);
}

/** What the page says, for failure messages: URL, status, alerts, errors, the start of <main>. */
async function pageContext() {
  // A page stuck in a navigation never answers evaluate(): bound it.
  return withTimeout(pageContextInner(), TIMEOUT, 'reading the page').catch(
    (e) => `at ${page?.url()} (could not read the page: ${stripAnsi(e.message).split('\n')[0]})`,
  );
}
async function pageContextInner() {
  if (!page) return '(no page)';
  const url = page.url();
  const info = await page
    .evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      // Outermost matches only, so an error summary is not repeated by its own parts.
      const texts = (sel) =>
        [...document.querySelectorAll(sel)]
          .filter((e) => !e.parentElement?.closest(sel))
          .map((e) => e.innerText.trim().replace(/\s+/g, ' '))
          .filter(Boolean);
      const invalid = [...document.querySelectorAll('form :invalid')]
        .filter((e) => e.name)
        .map((e) => `${e.name}: ${e.validationMessage}`);
      const main = document.querySelector('main') || document.body;
      return {
        status: nav && nav.responseStatus,
        title: document.title,
        alerts: texts('[role=alert], .error-summary, .field-error, .notice.warn, .error'),
        invalid,
        main: main ? main.innerText.trim().split(/\n+/).slice(0, 25).join('\n').slice(0, 1200) : '',
      };
    })
    .catch((e) => ({ error: String(e) }));
  const lines = [`at ${url}${info.status ? ` (HTTP ${info.status})` : ''}${info.title ? ` “${info.title}”` : ''}`];
  if (info.error) lines.push(`could not read the page: ${info.error}`);
  if (info.alerts?.length) lines.push('alerts/errors on the page:', ...info.alerts.slice(0, 15).map((a) => '  - ' + a.slice(0, 300)));
  if (info.invalid?.length) lines.push('fields the browser considers invalid (blocks submit):', ...info.invalid.map((a) => '  - ' + a));
  if (info.main) lines.push('page text (start):', indent(info.main, 2));
  return lines.join('\n');
}

// ---------------------------------------------------------------- page helpers

function abs(p) {
  return p.startsWith('http') ? p : BASE + p;
}

function docStatus() {
  return page.evaluate(() => performance.getEntriesByType('navigation')[0]?.responseStatus ?? 0).catch(() => 0);
}

/** Navigate with GET and require a 2xx/3xx answer. */
async function visit(p, { expectStatus = (s) => s >= 200 && s < 400, label } = {}) {
  const resp = await page.goto(abs(p), { waitUntil: 'load', timeout: TIMEOUT });
  const status = resp ? resp.status() : await docStatus();
  must(expectStatus(status), `GET ${p} → HTTP ${status}${label ? ` (${label})` : ''}`, await pageContext());
  return status;
}

/** Click something that submits a form and wait until the resulting page has loaded. */
async function submitVia(locator, what) {
  const before = Date.now();
  const nav = page
    .waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: TIMEOUT })
    .then(() => true, () => false);
  try {
    // noWaitAfter: the navigation is awaited below, with a clearer message if it never comes.
    await locator.click({ timeout: TIMEOUT, noWaitAfter: true });
  } catch (e) {
    throw new StepError(`${what}: clicking failed: ${stripAnsi(e.message).split('\n')[0]}`);
  }
  if (!(await nav)) {
    throw new StepError(`${what}: the click led to no new page within ${TIMEOUT} ms (HTML validation blocked it, or the server did not answer)`);
  }
  await page.waitForLoadState('load', { timeout: TIMEOUT });
  const status = await docStatus();
  log(`  · ${what} → ${new URL(page.url()).pathname}${new URL(page.url()).search} (HTTP ${status || '?'}, ${Date.now() - before} ms)`);
  return status;
}

async function bodyText() {
  return page.locator('body').innerText({ timeout: TIMEOUT });
}

async function htmlLang() {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

/** Run axe-core on the current page; every violation (any impact) is a failure. */
async function axeCheck(label) {
  await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  const v = result.violations;
  if (v.length === 0) {
    pass(`axe: no WCAG 2.1 A/AA violations on ${label}`);
    return;
  }
  const detail = v
    .map((x) => {
      const nodes = x.nodes
        .slice(0, 10)
        .map((n) => `    - ${n.impact || x.impact || '?'} ${JSON.stringify(n.target)}${n.failureSummary ? '\n      ' + n.failureSummary.replace(/\n/g, ' | ') : ''}`)
        .join('\n');
      const more = x.nodes.length > 10 ? `\n    … and ${x.nodes.length - 10} more nodes` : '';
      return `  ${x.id} [${x.impact}] ${x.help} (${x.helpUrl})\n${nodes}${more}`;
    })
    .join('\n');
  fail(`axe: ${v.length} violation(s) on ${label} (${page.url()})`, detail);
}

/** Index of the input named `name` whose label text is `label` (exact, else contains). */
async function indexByLabel(name, label, selector = 'input') {
  const labels = await page.locator(`${selector}[name="${name}"]`).evaluateAll((els) =>
    els.map((el) => {
      const fromLabels = el.labels ? [...el.labels].map((l) => l.innerText) : [];
      const t = fromLabels.join(' ') || el.getAttribute('aria-label') || el.closest('label')?.innerText || '';
      return t.trim().replace(/\s+/g, ' ');
    }),
  );
  if (labels.length === 0) throw new StepError(`no ${selector}[name="${name}"] on the page`);
  let i = labels.findIndex((t) => t === label);
  if (i < 0) i = labels.findIndex((t) => t.includes(label));
  if (i < 0) throw new StepError(`no ${selector}[name="${name}"] labelled “${label}”; labels there: ${labels.map((l) => `“${l}”`).join(', ')}`);
  return i;
}

async function checkBoxByLabel(name, label) {
  const i = await indexByLabel(name, label);
  const box = page.locator(`input[name="${name}"]`).nth(i);
  await box.check({ timeout: TIMEOUT });
  // The accessible way too: the same box must be reachable by its label.
  const byLabel = page.getByLabel(label, { exact: true }).and(page.locator(`[name="${name}"]`));
  check((await byLabel.count()) === 1, `${name}: checkbox “${label}” is found by its label (getByLabel)`);
}

/** Choose an <option> by its visible text (exact, else the one that contains it). */
async function selectByLabel(name, label) {
  const sel = page.locator(`select[name="${name}"]`);
  if ((await sel.count()) !== 1) throw new StepError(`expected one select[name="${name}"], found ${await sel.count()}`);
  const opts = await sel.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent.trim().replace(/\s+/g, ' ') })));
  const o = opts.find((x) => x.text === label) || opts.find((x) => x.text.includes(label));
  if (!o) throw new StepError(`select[name="${name}"] has no option “${label}”; options: ${opts.map((x) => `“${x.text}”`).join(', ')}`);
  await sel.selectOption(o.value, { timeout: TIMEOUT });
}

/** Set a field by name, whatever kind it is (select by value, radio by value, text-like by fill). */
async function setField(name, value) {
  const loc = page.locator(`[name="${name}"]`);
  const n = await loc.count();
  if (n === 0) throw new StepError(`the form has no field named “${name}”`);
  const kind = await loc.first().evaluate((el) => `${el.tagName.toLowerCase()}:${(el.getAttribute('type') || '').toLowerCase()}`);
  if (kind.startsWith('select')) {
    await loc.first().selectOption(value, { timeout: TIMEOUT });
  } else if (kind === 'input:radio') {
    await page.locator(`[name="${name}"][value="${value}"]`).check({ timeout: TIMEOUT });
  } else if (kind === 'input:checkbox') {
    throw new StepError(`setField(${name}) is a checkbox; use setCheckbox`);
  } else {
    await loc.first().fill(String(value), { timeout: TIMEOUT });
  }
}

async function setCheckbox(name, on, value) {
  const sel = value === undefined ? `input[type=checkbox][name="${name}"]` : `input[type=checkbox][name="${name}"][value="${value}"]`;
  const box = page.locator(sel);
  const n = await box.count();
  if (n !== 1) throw new StepError(`expected one checkbox ${sel}, found ${n}`);
  await box.setChecked(on, { timeout: TIMEOUT });
}

function approveButtons() {
  return page.getByRole('main').getByRole('button', { name: 'Godkänn', exact: true });
}

function logoutButton() {
  return page.getByRole('banner').getByRole('button', { name: 'Logga ut', exact: true });
}

async function login(user) {
  await visit('/login', { label: `sign-in page for ${user}` });
  const form = page.locator('form').filter({ has: page.locator('[name=password]') });
  // By label, the way a person (or a screen reader) finds them.
  const userField = form.getByLabel('Användarnamn', { exact: true });
  const passField = form.getByLabel('Lösenord', { exact: true });
  must((await userField.getAttribute('name')) === 'username', 'the field labelled “Användarnamn” is named username');
  must((await passField.getAttribute('name')) === 'password', 'the field labelled “Lösenord” is named password');
  await userField.fill(user);
  await passField.fill(PASSWORD);
  const status = await submitVia(form.getByRole('button', { name: 'Logga in', exact: true }), `sign in as ${user}`);
  const p = new URL(page.url()).pathname;
  must(p === '/app' || p === '/app/', `${user} is signed in and lands on /app (got ${p}, HTTP ${status})`, await pageContext());
  must((await logoutButton().count()) === 1, `the header shows “Logga ut” for ${user}`);
}

async function logout(user) {
  const btn = logoutButton();
  must((await btn.count()) === 1, `the header has one “Logga ut” button (${user})`);
  await submitVia(btn, `sign out ${user}`);
  must((await logoutButton().count()) === 0, `${user} is signed out (no “Logga ut” in the header)`, await pageContext());
}

async function openStaffChannel(id, who) {
  await visit(`/app/kanaler/${id}`, { label: `channel page as ${who}` });
  const text = await bodyText();
  must(text.includes(CHANNEL.name), `the staff channel page shows “${CHANNEL.name}”`, await pageContext());
  if (AXE_ALL) await axeCheck(`/app/kanaler/${id} (as ${who})`);
}

async function approveAs(user, id, stepLabel) {
  await login(user);
  await openStaffChannel(id, user);
  await shot(`channel-before-${user}-approves`);
  const buttons = approveButtons();
  const n = await buttons.count();
  must(n >= 1, `${user} sees a “Godkänn” button (${stepLabel})`, await pageContext());
  if (n > 1) warn(`${user} sees ${n} “Godkänn” buttons; pressing the first`);
  // The approval form should name its step; report which one is pressed.
  const stepVal = await buttons
    .first()
    .evaluate((b) => b.form?.querySelector('[name=step]')?.value ?? '(no step field)')
    .catch(() => '?');
  log(`  · ${user} presses “Godkänn” for step ${stepVal}`);
  const status = await submitVia(buttons.first(), `${user} approves`);
  must(status < 400, `${user}'s approval was accepted (HTTP ${status})`, await pageContext());
  const p = new URL(page.url()).pathname;
  must(p === `/app/kanaler/${id}`, `after approving, ${user} is back on /app/kanaler/${id} (got ${p})`, await pageContext());
  const alerts = await page.locator('main [role=alert]').allInnerTexts();
  check(alerts.length === 0, `no error shown after ${user}'s approval`, alerts.join('\n'));
  await shot(`channel-after-${user}-approved`);
  await logout(user);
}

let finishing = false;
async function finish(code) {
  if (finishing) return new Promise(() => {}); // already ending: let that finish exit
  finishing = true;
  if (browser) await withTimeout(browser.close(), 10_000, 'closing the browser').catch(() => {});
  log('\n────────────────────────────────────────');
  if (warnings.length) {
    log(`Warnings (${warnings.length}):`);
    for (const w of warnings.slice(0, 30)) log(indent(w, 2));
  }
  if (failures.length) {
    log(`FAILED (${failures.length}):`);
    for (const f of failures) log(indent('- ' + f, 2));
  } else if (code === 0) {
    log('All browser checks passed.');
  }
  log(`Screenshots: ${SHOTS}`);
  log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && code === 0 ? 0 : 1);
}

// ---------------------------------------------------------------- scenario

fs.rmSync(SHOTS, { recursive: true, force: true });
fs.mkdirSync(SHOTS, { recursive: true });

process.on('unhandledRejection', (e) => {
  failed++;
  failures.push(`unexpected error: ${stripAnsi(e?.message || e).split('\n')[0]}`);
  console.error(`\n✗ unexpected error: ${stripAnsi(e?.stack || e)}`);
  finish(1);
});

// A hard stop in case something hangs outside the per-step watchdog.
setTimeout(() => {
  console.error('\n✗ the whole run took longer than 5 minutes; giving up');
  failed++;
  failures.push('overall timeout (5 minutes)');
  finish(1);
}, 5 * 60_000).unref();

log(`Kanalvakt browser test against ${BASE}`);
log(`playwright-core ${PW_VERSION}, axe-core ${AXE_VERSION}, action timeout ${TIMEOUT} ms`);

await step('the server answers', async () => {
  let r;
  try {
    r = await fetch(BASE + '/kanaler', { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT) });
  } catch (e) {
    throw new StepError(`cannot reach ${BASE}/kanaler: ${e.cause?.code || e.cause?.message || e.message} — is the server running (with demo data) on that address?`, { withContext: true });
  }
  if (r.status !== 200) throw new StepError(`GET ${BASE}/kanaler → HTTP ${r.status}, expected 200`, { withContext: true });
  pass(`GET ${BASE}/kanaler → HTTP 200`);
});

await step('launch Chromium', async () => {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new StepError(`no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM)`);
  browser = await chromium.launch({
    executablePath,
    headless: process.env.HEADED !== '1',
    args: [
      ...(process.env.HEADED === '1' ? [] : ['--headless']),
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
  context = await browser.newContext({
    bypassCSP: true, // the app's strict CSP would block the injected axe script
    viewport: { width: 1280, height: 900 },
    locale: 'sv-SE',
  });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.setDefaultNavigationTimeout(TIMEOUT);
  page.on('pageerror', (e) => warn(`JavaScript error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    // Failed subresources are reported with their URL by the response handler below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) warn(`console error on ${page.url()}: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.request().isNavigationRequest()) warn(`HTTP ${r.status()} for ${r.url()} (loaded by ${page.url()})`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (/^https?:/.test(u) && new URL(u).origin !== BASE_ORIGIN) warn(`request to another origin: ${u}`);
  });
  pass(`Chromium ${browser.version()} started`);
});

// a. Public pages -------------------------------------------------------------

let firstChannelPath;

await step('public: /kanaler (channel list)', async () => {
  // Start from Swedish whatever an earlier run left (the language is remembered in a cookie).
  await visit('/kanaler?lang=sv');
  await visit('/kanaler');
  check((await htmlLang()) === 'sv', `/kanaler has <html lang="sv"> (got "${await htmlLang()}")`);
  const hrefs = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const paths = hrefs
    .map((h) => {
      try {
        const u = new URL(h, BASE + '/kanaler');
        return u.origin === BASE_ORIGIN ? u.pathname : null;
      } catch {
        return null;
      }
    })
    .filter((p) => p && /^\/kanaler\/[^/]+$/.test(p));
  must(paths.length > 0, `/kanaler links to channel pages (found ${paths.length})`, await pageContext());
  firstChannelPath = paths[0];
  await shot('public-kanaler');
  await axeCheck('/kanaler');
});

await step('public: first channel page', async () => {
  await visit(firstChannelPath);
  await shot('public-channel');
  await axeCheck(firstChannelPath);
});

await step('public: /verifiera (form)', async () => {
  await visit('/verifiera');
  await shot('public-verifiera');
  await axeCheck('/verifiera');
});

await step('public: /verifiera result for facebook.com/sjovikskommun', async () => {
  const p = '/verifiera?url=' + encodeURIComponent('https://www.facebook.com/sjovikskommun');
  await visit(p);
  await shot('public-verifiera-result');
  await axeCheck('/verifiera?url=… (result)');
});

await step('public: /flode and its widget (PUB-1)', async () => {
  await visit('/flode');
  await shot('public-flode');
  await axeCheck('/flode');
  await visit('/flode/widget');
  await shot('public-flode-widget');
  await axeCheck('/flode/widget');
});

await step('public: /login', async () => {
  await visit('/login');
  await shot('public-login');
  await axeCheck('/login');
});

await step('public: /kanaler?lang=en is English', async () => {
  await visit('/kanaler?lang=en');
  const lang = await htmlLang();
  check(lang === 'en', `/kanaler?lang=en has <html lang="en"> (got "${lang}")`);
  await shot('public-kanaler-en');
  // Back to Swedish: the choice is kept in a cookie and the rest of the test reads Swedish labels.
  await visit('/kanaler?lang=sv');
  must((await htmlLang()) === 'sv', 'back to Swedish with ?lang=sv');
});

// b. Sign in as kim -----------------------------------------------------------

await step('sign in as kim (kommunikatör)', async () => {
  await login('kim');
  await shot('app-kim');
});

// c. New channel --------------------------------------------------------------

let channelId;

await step('new channel form: open and axe-check', async () => {
  await visit('/app/kanaler/ny');
  must((await page.locator('form [name=name]').count()) === 1, 'the channel form is there');
  await shot('app-new-channel-form');
  await axeCheck('/app/kanaler/ny');
  await visit('/app');
  await shot('app-overview');
  await axeCheck('/app (overview)');
  await visit('/app/kanaler/1/inlagg');
  await shot('app-items');
  await axeCheck('/app/kanaler/1/inlagg (posts and messages)');
  await visit('/app/kanaler/ny');
});

await step('new channel form: fill in', async () => {
  await setField('platform', 'tiktok');
  await setField('name', CHANNEL.name);
  await setField('handle', CHANNEL.handle);
  await setField('url', CHANNEL.url);
  await selectByLabel('unit_id', CHANNEL.unit);
  await setCheckbox('has_dialogue', true);
  await setField('contact_email', 'ungdomsgarden@sjovik.se');
  await setField('contact_phone', '0123-456 78');
  await setField(
    'purpose',
    'Nå unga i Sjövik med information om ungdomsgårdens aktiviteter, öppettider och lovprogram, och ge dem en väg att ställa frågor till personalen.',
  );
  await setField('target_audience', 'Ungdomar 13–19 år i Sjöviks kommun och deras vårdnadshavare.');
  await setField('goal', 'Fler besökare på ungdomsgården och fler som anmäler sig till lovaktiviteter; minst 500 följare inom ett år.');
  await setField(
    'editorial_plan',
    'Korta filmer från verksamheten två till tre gånger i veckan. Ungdomarna föreslår innehåll; personalen granskar och publicerar. Inga bilder på barn utan samtycke.',
  );
  await checkBoxByLabel('administrators', 'Alva Andersson');
  await checkBoxByLabel('administrators', 'Bo Berg');
  await selectByLabel('substitute', 'Cecilia Carlsson');
  await checkBoxByLabel('operators', 'Alva Andersson');
  for (const d of [0, 1, 2, 3, 4, 5, 6]) await setCheckbox('monitoring_days', d !== 5, String(d));
  await setField('monitoring_from', '08:00');
  await setField('monitoring_to', '17:00');
  await setCheckbox('monitoring_holidays', true);
  await setField('update_frequency', 'Två till tre inlägg i veckan, fler under loven.');
  await setField('hours_per_week', '3');
  await setField('answer_promise', 'next_working_day');
  await setField('removal_promise_hours', '48');
  await setCheckbox('communications_has_admin', true);
  // Read back what the browser will send.
  const sent = await page.locator('form').filter({ has: page.locator('[name=name]') }).evaluate((f) => {
    const fd = new FormData(f);
    return {
      platform: fd.get('platform'),
      unit_id: fd.get('unit_id'),
      administrators: fd.getAll('administrators'),
      operators: fd.getAll('operators'),
      substitute: fd.get('substitute'),
      monitoring_days: fd.getAll('monitoring_days'),
    };
  });
  log(`  · form will send ${JSON.stringify(sent)}`);
  check(sent.administrators.length === 2, 'two administrators are checked');
  check(JSON.stringify(sent.monitoring_days) === JSON.stringify(['0', '1', '2', '3', '4', '6']), 'monitoring days 0–4 and 6 are checked');
  pass('the form is filled in');
  await shot('app-new-channel-filled');
});

await step('new channel form: save and submit for approval', async () => {
  const btn = page.locator('button[name=then][value=submit]');
  must((await btn.count()) === 1, 'there is one button name=then value=submit');
  const label = (await btn.innerText()).trim();
  check(label.includes('Spara och skicka för godkännande'), `the submit button reads “Spara och skicka för godkännande” (got “${label}”)`);
  const status = await submitVia(btn, 'save and submit');
  const m = new URL(page.url()).pathname.match(/^\/app\/kanaler\/([^/]+)$/);
  must(m && m[1] !== 'ny', `saved: landed on /app/kanaler/{id} (HTTP ${status})`, await pageContext());
  channelId = decodeURIComponent(m[1]);
  log(`  · new channel id: ${channelId}`);
  const q = new URL(page.url()).searchParams.get('ok');
  check(q === 'submitted', `the plan was submitted (?ok=submitted, got ?ok=${q})`, q === 'not_submitted' ? await pageContext() : '');
  const text = await bodyText();
  must(text.includes('Väntar på godkännande'), 'the channel page says “Väntar på godkännande”', await pageContext());
  await shot('app-channel-submitted');
  if (AXE_ALL) await axeCheck(`/app/kanaler/${channelId} (as kim)`);
});

await step('sign out kim', async () => {
  await logout('kim');
  await shot('after-logout-kim');
  // Signed out means signed out: the staff area asks for sign-in again.
  const resp = await page.goto(abs('/app'), { waitUntil: 'load' });
  const p = new URL(page.url()).pathname;
  const status = resp ? resp.status() : 0;
  check(p.startsWith('/login') || status === 401 || status === 403, `after signing out, /app asks for sign-in (landed on ${p}, HTTP ${status})`);
});

// d. Approvals ----------------------------------------------------------------

await step('out of order: karl (kommunchef) cannot approve yet', async () => {
  await login('karl');
  await openStaffChannel(channelId, 'karl');
  const n = await approveButtons().count();
  check(n === 0, `karl sees no “Godkänn” button before the administrators have approved (found ${n})`, n ? await pageContext() : '');
  check((await bodyText()).includes('Väntar på godkännande'), 'still “Väntar på godkännande”');
  await shot('channel-karl-too-early');
  await logout('karl');
});

await step('approval: alva (administrator)', () => approveAs('alva', channelId, 'administrator'));
await step('approval: bo (administrator)', () => approveAs('bo', channelId, 'administrator'));
await step('approval: frida (förvaltningschef)', () => approveAs('frida', channelId, 'unit head'));

await step('approval: karl (kommunchef, final)', async () => {
  await login('karl');
  await openStaffChannel(channelId, 'karl');
  await shot('channel-before-karl-approves');
  const buttons = approveButtons();
  must((await buttons.count()) >= 1, 'karl now sees a “Godkänn” button (kommunchef)', await pageContext());
  const status = await submitVia(buttons.first(), 'karl approves');
  must(status < 400, `karl's approval was accepted (HTTP ${status})`, await pageContext());
  const ok = new URL(page.url()).searchParams.get('ok');
  check(ok === 'activated', `the last approval activates the channel (?ok=activated, got ?ok=${ok})`);
  const text = await bodyText();
  // A whole word: "Aktivitetsplan" must not count as "Aktiv".
  must(/(^|[^\p{L}])Aktiv([^\p{L}]|$)/u.test(text), 'the channel page says “Aktiv”', await pageContext());
  check(!text.includes('Väntar på godkännande'), 'no longer “Väntar på godkännande”', await pageContext());
  await shot('channel-active');
  await logout('karl');
});

// e. The public register shows the new channel ---------------------------------

await step('public: the new channel is listed on /kanaler', async () => {
  await visit('/kanaler');
  const text = await bodyText();
  must(text.includes(CHANNEL.name), `/kanaler lists “${CHANNEL.name}”`, await pageContext());
  const link = page.locator(`main a[href$="/kanaler/${channelId}"]`);
  check((await link.count()) >= 1, `/kanaler links to /kanaler/${channelId}`);
  await shot('public-kanaler-with-new');
});

await step('public: the new channel page', async () => {
  await visit(`/kanaler/${channelId}`);
  const text = await bodyText();
  must(text.includes(CHANNEL.name), `/kanaler/${channelId} shows “${CHANNEL.name}”`, await pageContext());
  check(text.includes(CHANNEL.url) || (await page.locator(`a[href="${CHANNEL.url}"]`).count()) > 0, 'the public page gives the channel address');
  await shot('public-new-channel');
  await axeCheck(`/kanaler/${channelId}`);
});

// The moderation inbox (MOD-1, MOD-2, MOD-6, MOD-9): the Rust side delivered two comments by
// webhook to the demo page, whose fake Graph API records what Kanalvakt asks of it. One case goes
// from arrival to an answer, the other from arrival to removal, through the forms a person uses.
const ANSWER_CASE = process.env.ANSWER_CASE;
const REMOVE_CASE = process.env.REMOVE_CASE;
if (ANSWER_CASE && REMOVE_CASE) {
  await step('inbox: sign in as kim and open the inbox', async () => {
    await login('kim');
    await page.getByRole('navigation', { name: 'Huvudmeny' }).getByRole('link', { name: 'Inkorgen', exact: true }).click();
    await page.waitForLoadState('load');
    const text = await bodyText();
    must(text.includes('När öppnar simhallen'), 'the inbox lists the question that arrived by webhook', await pageContext());
    await shot('inbox');
    await axeCheck('/app/inkorg');
  });

  await step('inbox: answer the question', async () => {
    await page.getByRole('link', { name: /När öppnar simhallen/ }).first().click();
    await page.waitForLoadState('load');
    must(new URL(page.url()).pathname === `/app/inkorg/${ANSWER_CASE}`, `the case page /app/inkorg/${ANSWER_CASE} opened`, await pageContext());
    await axeCheck('/app/inkorg/{id} (a question)');
    await page.getByLabel('Ditt svar').fill('Hej! Simhallen öppnar igen måndag 7 december kl. 6.30. Vänliga hälsningar, Kim');
    await submitVia(page.getByRole('button', { name: 'Publicera svaret' }), 'publish the answer');
    const text = await bodyText();
    must(text.includes('Svaret är publicerat'), 'the answer is confirmed', await pageContext());
    must(text.includes('Besvarad'), 'the case shows “Besvarad”', await pageContext());
    await shot('case-answered');
  });

  await step('inbox: remove a personal attack, saved first', async () => {
    await visit(`/app/inkorg/${REMOVE_CASE}`);
    const before = await bodyText();
    must(before.includes('Förolämpning eller personangrepp'), 'the rules name the category', await pageContext());
    must(!before.includes('Publicera svaret'), 'a personal attack offers no answer box (MOD-5)', await pageContext());
    await page.getByLabel('Skäl', { exact: true }).first().fill('Personangrepp på namngiven tjänsteperson');
    await submitVia(page.getByRole('button', { name: 'Spara och ta bort' }), 'save and remove');
    const text = await bodyText();
    must(text.includes('Innehållet är sparat och borttaget'), 'the removal is confirmed', await pageContext());
    must(text.includes('Sparat före borttagning'), 'the saved record is listed with its hash', await pageContext());
    await shot('case-removed');
    await axeCheck('/app/inkorg/{id} (removed)');
  });

  await step('inbox: the other inbox pages pass axe', async () => {
    for (const p of ['/app/inkorg/obesvarade', '/app/statistik', '/app/franvaro', '/app/kanaler/1/moderering']) {
      await visit(p);
      await axeCheck(p);
    }
    await shot('statistics');
    await logout('kim');
  });
}


// Records requests (REC-1, TF 2 kap.): the registry clerk registers a request, finds a demo comment
// with the records search, selects it, masks a phrase with its reason, decides release in part and
// downloads the PDF/A. axe checks every request page.
let requestPath = '';
await step('records request: rut registers a request', async () => {
  await login('rut');
  await page.getByRole('navigation', { name: 'Huvudmeny' }).getByRole('link', { name: 'Begäran om handling', exact: true }).click();
  await page.waitForLoadState('load');
  must(new URL(page.url()).pathname === '/app/begaran', 'the menu leads to /app/begaran', await pageContext());
  await axeCheck('/app/begaran');
  await page.getByRole('link', { name: 'Registrera ny begäran', exact: true }).click();
  await page.waitForLoadState('load');
  await axeCheck('/app/begaran/ny');
  await page.getByLabel('Vad som begärs', { exact: true }).fill('Alla kommentarer om Storgatan');
  await submitVia(page.getByRole('button', { name: 'Registrera begäran', exact: true }), 'register the request');
  requestPath = new URL(page.url()).pathname;
  must(/^\/app\/begaran\/\d+$/.test(requestPath), `the request page opened (${requestPath})`, await pageContext());
  must((await bodyText()).includes('Begäran är registrerad'), 'the request is confirmed', await pageContext());
  await shot('request-registered');
  await axeCheck(`${requestPath} (new)`);
});

await step('records request: search and select a record', async () => {
  await page.getByLabel('Sökord', { exact: true }).fill('Storgatan');
  await submitVia(page.getByRole('main').getByRole('button', { name: 'Sök', exact: true }), 'search the records');
  const boxes = page.locator('input[type=checkbox][name=item]');
  must((await boxes.count()) >= 1, 'the search finds a record to select', await pageContext());
  await axeCheck(`${requestPath} (search results)`);
  const hit = page.locator('tr.hit').filter({ hasText: 'Gäller det även Storgatan 40' }).locator('input[name=item]');
  must((await hit.count()) === 1, 'the demo comment about Storgatan 40 is among the hits', await pageContext());
  await hit.check({ timeout: TIMEOUT });
  await submitVia(page.getByRole('button', { name: 'Lägg till markerade handlingar', exact: true }), 'add the record');
  const text = await bodyText();
  must(text.includes('spärrade för gallring'), 'the record is added and held from disposal', await pageContext());
  await shot('request-selected');
  await axeCheck(`${requestPath} (review)`);
});

await step('records request: mask a phrase with its reason', async () => {
  const article = page.locator('article').filter({ hasText: 'Gäller det även Storgatan 40' });
  await article.getByLabel('Fras att maskera (kopiera exakt ur texten)').fill('Storgatan 40');
  await article.getByLabel('Skäl: sekretessbestämmelse, t.ex. OSL 21 kap. 7 §').fill('OSL 21 kap. 7 §');
  await submitVia(article.getByRole('button', { name: 'Maskera', exact: true }), 'mask the phrase');
  must((await bodyText()).includes('Maskeringen är gjord'), 'the mask is confirmed', await pageContext());
  const released = await page.locator('blockquote.released').first().innerText();
  must(released.includes('[maskerat: OSL 21 kap. 7 §]') && !released.includes('Storgatan 40'), `the released view is masked: ${released}`);
  await axeCheck(`${requestPath} (masked)`);
});

await step('records request: decide and download the PDF', async () => {
  await page.getByLabel('Lämnas ut delvis (maskerat)', { exact: true }).check({ timeout: TIMEOUT });
  await page.getByLabel('Anteckning (vid avslag: skälet och bestämmelsen)').fill('Adressuppgift maskerad');
  await submitVia(page.getByRole('button', { name: 'Besluta', exact: true }), 'decide');
  const text = await bodyText();
  must(text.includes('Beslutet är fattat'), 'the decision is confirmed', await pageContext());
  await shot('request-decided');
  await axeCheck(`${requestPath} (decided)`);
  const link = page.getByRole('link', { name: 'PDF/A för utskrift och utlämnande', exact: true });
  must((await link.count()) === 1, 'the release PDF is offered', await pageContext());
  const resp = await page.request.get(abs(await link.getAttribute('href')));
  must(resp.status() === 200, `the PDF downloads (HTTP ${resp.status()})`);
  must((resp.headers()['content-type'] || '').startsWith('application/pdf'), `it is served as a PDF (${resp.headers()['content-type']})`);
  const body = await resp.body();
  must(body.subarray(0, 5).toString('latin1') === '%PDF-', 'the download is a PDF');
  must(body.includes('pdfaid:part'), 'the PDF says PDF/A in its metadata');
  await logout('rut');
});

await finish(0);
