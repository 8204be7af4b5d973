/**
 * Accessibility: no serious or critical axe-core violations on the main screen, the settings
 * dialog, the shortcuts overlay and the takes panel; `?` opens the shortcut list.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, expectCardsRolling, stopTake, test } from './fixtures/controller';

async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  let b = new AxeBuilder({ page });
  if (include) b = b.include(include);
  const r = await b.analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

test.describe('accessibility', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }, { personality: 'ios' }] }, viewport: { width: 1280, height: 800 } });

  test('main screen, settings, shortcuts overlay and takes panel have no serious or critical axe violations', async ({ mc, page }) => {
    await mc.open();
    const names = mc.sims.map(mc.nameOf);
    for (const n of names) await expect(page.getByRole('article', { name: n }).getByText('Online', { exact: true })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible();
    expect(await seriousViolations(page, '[role="dialog"]')).toEqual([]);
    await page.keyboard.press('Escape');

    await page.getByRole('heading', { name: 'MultiCam Controller' }).click();
    await page.keyboard.press('?');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('S twice');
    expect(await seriousViolations(page, '[role="dialog"]')).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);

    await page.getByRole('region', { name: 'Recording' }).getByRole('button', { name: 'Record' }).click();
    await expectCardsRolling(page, names);
    expect(await seriousViolations(page)).toEqual([]);
    await stopTake(page);
    const take = page.getByRole('region', { name: 'Takes' }).getByRole('article').first();
    await expect(take.locator('.phase')).toHaveText(/^Done/, { timeout: 60_000 });
    expect(await seriousViolations(page, '#takes-panel')).toEqual([]);
    await mc.screenshot('a11y-takes-panel-1280x800');
  });
});
