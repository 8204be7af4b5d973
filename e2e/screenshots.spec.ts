/**
 * Screenshots of the real app (real controller, 8 sims in mixed states): the grid, a take rolling,
 * a finished take. Attached to the report and written to test-results/screenshots/*.png for a
 * human to look at; the assertions make sure each shot shows the state it claims to.
 */
import { expect, expectCardsRolling, stopTake, test } from './fixtures/controller';

test.describe('screenshots', () => {
  test.use({
    mcOptions: {
      simDevices: [
        { personality: 'ios', battery: 85 },
        { personality: 'android', battery: 12 },
        { personality: 'oak' },
        { personality: 'spec', clockOffsetMs: 750, scheduleOnRawClock: true },
        { personality: 'spec', battery: 64 },
        { personality: 'ios', battery: 50 },
        { personality: 'android', battery: 97 },
        { personality: 'spec', battery: 33 },
      ],
    },
  });

  test('grid with 8 devices in mixed states, a take rolling, a finished take', async ({ mc, page }) => {
    await mc.open();
    const api = mc.controller;
    const addr = mc.sims.map(mc.addressOf);
    const names = ['Cam A — wide', 'Cam B — close', 'Overhead OAK', 'Drifty', 'Left out', 'Doomed', 'Cam G', 'Cam H'];
    for (let i = 0; i < addr.length; i++) expect((await api.renameDevice(addr[i]!, names[i]!)).ok).toBe(true);
    expect((await api.setDeviceColor(addr[0]!, '#ff6b6b')).ok).toBe(true);
    expect((await api.setDeviceColor(addr[6]!, '#69db7c')).ok).toBe(true);
    const card = (n: string) => page.getByRole('region', { name: 'Devices' }).getByRole('article', { name: n });
    for (const n of names) await expect(card(n).getByText('Online', { exact: true })).toBeVisible();

    // The switch input sits under its styled track: operators click the label.
    await card('Left out').getByText('In next take', { exact: true }).click();
    await expect(card('Left out').getByRole('switch', { name: 'Include Left out in next take' })).not.toBeChecked();
    await expect(card('Left out').getByText('Left out', { exact: true }).last()).toBeVisible();
    await mc.sims[5]!.kill();
    await expect(card('Doomed').getByText('Unreachable', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(card('Cam B — close').getByText('⚠ Battery low 12%')).toBeVisible();
    await expect(card('Drifty').getByText(/^⚠ Clock \+7\d\d ms/)).toBeVisible();
    await expect(card('Overhead OAK').getByText('Battery —')).toBeVisible();
    await mc.screenshot('grid-mixed', { fullPage: true });

    const rec = page.getByRole('region', { name: 'Recording' });
    await rec.getByLabel('Next take').fill('Scene 12 — take 3');
    await rec.getByRole('button', { name: 'Record' }).click();
    await expect(rec.getByText(/^Starting in \d+\.\d s$/)).toBeVisible();
    await mc.screenshot('take-countdown');
    await expectCardsRolling(page, ['Cam A — wide', 'Cam B — close', 'Cam G', 'Cam H']);
    await expect(card('Left out').locator('.tally')).toHaveText('Left out');
    await expect(rec.getByText(/^Rolling \d\d:\d\d$/)).toBeVisible();
    await mc.screenshot('take-rolling', { fullPage: true });

    await stopTake(page);
    const take = page.getByRole('region', { name: 'Takes' }).getByRole('article', { name: 'Scene 12 — take 3' });
    await expect(take.locator('.phase')).toHaveText(/^(Done|Failed)/, { timeout: 60_000 });
    await expect(take.getByText('Downloaded').first()).toBeVisible();
    await expect(take.getByText(/Downloading|Queued/)).toHaveCount(0);
    await mc.screenshot('take-finished', { fullPage: true });
  });
});
