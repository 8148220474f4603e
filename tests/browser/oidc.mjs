// OpenID Connect login against a real provider (npm's oidc-provider) in real Chromium.
// Usage: node oidc.mjs PROVIDER_PORT APP_URL
// Starts the provider at http://127.0.0.1:PROVIDER_PORT with a confidential client "kanalvakt"
// whose redirect URI is APP_URL/login/oidc/callback, then signs in to Kanalvakt through it.
import Provider from 'oidc-provider';
import { chromium } from 'playwright-core';

const [port, appUrl] = [Number(process.argv[2]), process.argv[3]];
if (!port || !appUrl) {
  console.error('usage: node oidc.mjs PROVIDER_PORT APP_URL');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'kanalvakt',
    client_secret: 'test-secret-for-kanalvakt',
    redirect_uris: [`${appUrl}/login/oidc/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  // The person types an e-mail address as login; it becomes the subject and the email claim.
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub, email: sub, email_verified: true }; } };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['kanalvakt-test-cookie-key'] },
});
const server = provider.listen(port, '127.0.0.1');
await new Promise((r) => server.once('listening', r));

let passed = 0, failed = 0;
const check = (ok, what) => { ok ? passed++ : failed++; console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function signIn(login) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  await page.goto(`${appUrl}/login`);
  await page.getByRole('link', { name: /Logga in med/ }).click();
  await page.waitForURL((u) => u.toString().startsWith(issuer));
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('anything');
  await page.locator('button[type=submit]').first().click();
  // The consent screen of the provider's development interactions.
  await page.waitForURL((u) => u.toString().startsWith(issuer) && u.pathname.startsWith('/interaction/'));
  await page.locator('button[autofocus]').click();
  await page.waitForURL((u) => u.toString().startsWith(appUrl), { timeout: 15000 });
  await page.waitForLoadState('load');
  const result = { url: page.url(), text: await page.locator('body').innerText() };
  await context.close();
  return result;
}

try {
  const kim = await signIn('kim.lindqvist@sjovik.se');
  check(new URL(kim.url).pathname === '/app', `a known staff member lands on /app (${kim.url})`);
  check(kim.text.includes('Kim Lindqvist'), 'signed in as Kim Lindqvist');
  const stranger = await signIn('okand.person@example.org');
  check(stranger.text.includes('det finns ingen medarbetare med den adressen'), 'an unknown address is refused with an explanation');
  check(!stranger.url.endsWith('/app'), 'and gets no session');
} catch (e) {
  failed++;
  console.log(`FAIL ${e.message}`);
} finally {
  await browser.close();
  server.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
