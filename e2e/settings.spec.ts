/**
 * Settings and device labels survive a controller restart (same user data folder), as seen in the
 * settings dialog and on the cards after a reload.
 */
import type { Page } from '@playwright/test';
import { expect, openCardMenu, stopTake, test } from './fixtures/controller';

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Settings' });

test.describe('persistence', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }] } });

  test('start delay, poll interval and a device name are still there after a restart', async ({ mc, page }) => {
    await mc.open();
    const address = mc.nameOf(mc.sims[0]!);
    const card = page.getByRole('article', { name: address });
    await expect(card.getByText('Online', { exact: true })).toBeVisible();

    // Rename the device from its card's menu.
    await openCardMenu(page, address);
    await card.getByRole('button', { name: `Rename ${address}` }).click();
    const nameInput = page.getByRole('textbox', { name: `New name for ${address}` });
    await nameInput.fill('Wide');
    await nameInput.press('Enter');
    await expect(page.getByRole('article', { name: 'Wide' })).toBeVisible();

    // Change delay and poll cadence in the dialog.
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(dialog(page)).toBeVisible();
    await expect(dialog(page).getByLabel('Start delay (s)')).toHaveValue('3');
    await dialog(page).getByLabel('Start delay (s)').fill('7.5');
    await dialog(page).getByLabel('Status poll interval (ms)').fill('2500');
    await dialog(page).getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog(page)).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Recording' }).getByText(/Record · 1 device/)).toBeVisible();

    // A bad value is refused inline and not saved.
    await page.getByRole('button', { name: 'Settings' }).click();
    await dialog(page).getByLabel('Start delay (s)').fill('99');
    await dialog(page).getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog(page).getByRole('alert')).toContainText('Start delay');
    await dialog(page).getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog(page)).toHaveCount(0);

    await mc.restart();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'MultiCam Controller' })).toBeVisible();
    const renamed = page.getByRole('article', { name: 'Wide' });
    await expect(renamed.getByText('Online', { exact: true })).toBeVisible();
    await expect(page.getByRole('article', { name: address })).toHaveCount(0);

    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(dialog(page).getByLabel('Start delay (s)')).toHaveValue('7.5');
    await expect(dialog(page).getByLabel('Status poll interval (ms)')).toHaveValue('2500');
    await dialog(page).getByRole('button', { name: 'Cancel' }).click();

    // The stored delay is the one a take uses.
    await page.getByRole('region', { name: 'Recording' }).getByRole('button', { name: 'Record' }).click();
    await expect(page.getByRole('region', { name: 'Recording' }).getByText(/^Starting in [5-7]\.\d s$/)).toBeVisible();
    await stopTake(page);
    await expect(page.getByRole('region', { name: 'Takes' }).locator('.phase').first()).toHaveText(/^Aborted/, { timeout: 60_000 });
  });

  test('the page reconnects by itself when the controller restarts', async ({ mc, page }) => {
    await mc.open();
    const address = mc.nameOf(mc.sims[0]!);
    await expect(page.getByRole('article', { name: address }).getByText('Online', { exact: true })).toBeVisible();
    await mc.bridge.close();
    await expect(page.getByRole('alert').filter({ hasText: 'Disconnected from controller' })).toBeVisible();
    await mc.restart();
    await expect(page.getByRole('alert').filter({ hasText: 'Disconnected from controller' })).toHaveCount(0, { timeout: 30_000 });
    await expect(page.getByRole('article', { name: address }).getByText('Online', { exact: true })).toBeVisible();
    // The new controller answers: a take starts from this page without a reload.
    await page.getByRole('region', { name: 'Recording' }).getByRole('button', { name: 'Record' }).click();
    await expect(page.getByRole('region', { name: 'Recording' }).getByText(/^Starting in \d+\.\d s$/)).toBeVisible();
    await stopTake(page);
    await expect(page.getByRole('region', { name: 'Takes' }).getByRole('article')).toHaveCount(1);
  });
});
