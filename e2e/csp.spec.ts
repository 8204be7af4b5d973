/**
 * The page runs under the strict Content-Security-Policy the bridge sends: an injected inline
 * script does not run, and the browser reports the violation.
 */
import { expect, test } from './fixtures/controller';

test('an injected inline script is blocked by the CSP and reported', async ({ mc, page }) => {
  const response = await page.goto(mc.url);
  const csp = response?.headers()['content-security-policy'] ?? '';
  const scriptSrc = csp
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('script-src '));
  expect(scriptSrc).toBe("script-src 'self'");
  await expect(page.getByRole('heading', { name: 'MultiCam Controller' })).toBeVisible();

  const cspConsole = page.waitForEvent('console', { predicate: (m) => /Content Security Policy/i.test(m.text()) });
  // Inline scripts run synchronously on insertion, so `ranAtOnce` tells whether it executed.
  const ranAtOnce = await page.evaluate(() => {
    const w = window as unknown as { __injected?: unknown; __violations: Array<{ directive: string; blocked: string }> };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
    const s = document.createElement('script');
    s.textContent = 'window.__injected = "ran";';
    document.body.appendChild(s);
    return w.__injected;
  });
  expect(ranAtOnce).toBeUndefined();
  const violations = () => page.evaluate(() => (window as unknown as { __violations: Array<{ directive: string; blocked: string }> }).__violations);
  await expect.poll(violations).toContainEqual({ directive: 'script-src-elem', blocked: 'inline' });
  expect((await cspConsole).text()).toMatch(/inline script/i);
  expect(await page.evaluate(() => (window as unknown as { __injected?: unknown }).__injected)).toBeUndefined();

  // An inline event handler attribute is blocked too.
  await page.evaluate(() => {
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.__injected = "handler"');
    img.src = 'data:,broken';
    document.body.appendChild(img);
  });
  await expect.poll(violations).toContainEqual({ directive: 'script-src-attr', blocked: 'inline' });
  expect(await page.evaluate(() => (window as unknown as { __injected?: unknown }).__injected)).toBeUndefined();
  // The app itself still works under the policy.
  await expect(page.getByRole('region', { name: 'Recording' })).toBeVisible();
});
