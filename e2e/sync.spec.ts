/**
 * After the take: cameras of every personality film the shared scene (real files from ffmpeg),
 * the take is analysed automatically once its files are home, and the takes panel shows one lane
 * per camera on a common axis with its offset; a muted camera says why it is not aligned; the
 * contact sheet shows every aligned camera's frames at the same instants; Export for editor
 * writes an FCPXML next to take.json. Screenshots at 1280×800 and 1920×1080.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, expectCardsRolling, type McEnv, stopTake, test } from './fixtures/controller';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;

/** At 1280×800: every camera online, one take of `ms` named `name`, stopped. */
async function recordSceneTake(mc: McEnv, page: Page, name: string, ms: number): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await mc.open();
  const names = mc.sims.map(mc.nameOf);
  for (const n of names) await expect(page.getByRole('article', { name: n }).getByText('Online', { exact: true })).toBeVisible();
  const rec = page.getByRole('region', { name: 'Recording' });
  await rec.getByLabel('Next take').fill(name);
  await rec.getByRole('button', { name: 'Record' }).click();
  await expectCardsRolling(page, names);
  await page.waitForTimeout(ms);
  await stopTake(page);
}

test.describe('sync and export', () => {
  test.skip(!hasFfmpeg, 'needs ffmpeg');
  test.use({
    mcOptions: {
      simDevices: [
        { personality: 'ios', scene: { avSkewMs: 8, width: 320, height: 180, fps: { num: 30000, den: 1001 } } },
        { personality: 'android', driftPpm: 35, stopDelayMs: 300, scene: { startErrorMs: 4.2, width: 320, height: 180, fps: { num: 30000, den: 1001 } } },
        { personality: 'spec', scene: { startErrorMs: 41, width: 320, height: 180, fps: { num: 30000, den: 1001 } } },
        { personality: 'spec', scene: { sound: 'silence', width: 320, height: 180, fps: { num: 30000, den: 1001 } } },
      ],
    },
  });

  test('a finished take is aligned by sound, shown lane by lane, with a contact sheet and an editor export', async ({ mc, page }) => {
    test.setTimeout(240_000);
    await recordSceneTake(mc, page, 'Scene 7', 6000);

    const take = page.getByRole('region', { name: 'Takes' }).getByRole('article', { name: 'Scene 7' });
    const sync = take.getByRole('region', { name: 'Alignment of Scene 7' });
    await expect(sync.getByText('3 of 4 cameras aligned')).toBeVisible({ timeout: 150_000 });
    const lanes = sync.getByRole('list', { name: "Where each camera's clip sits on the take's timeline" });
    await expect(lanes.getByRole('listitem')).toHaveCount(4);
    await expect(lanes.getByText(/^Not aligned: the sound track is silent/)).toBeVisible();
    await expect(lanes.getByText(/^\+0\.0 ms · 0\.0 fr$/)).toBeVisible();
    await expect(lanes.getByText(/^\+\d\.\d{3} s · \d+\.\d fr$/)).toHaveCount(2);
    await sync.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await mc.screenshot('sync-aligned-1280');

    await sync.getByRole('button', { name: 'Final Cut Pro' }).click();
    const status = sync.getByRole('status').filter({ hasText: 'Written' });
    await expect(status).toContainText('3 angles');
    await expect(status).toContainText('left out');
    const path = /Written (\S+\.fcpxml)/.exec((await status.textContent()) ?? '')?.[1] ?? '';
    expect(existsSync(path), path).toBe(true);
    expect(readFileSync(path, 'utf8').match(/<mc-angle /g)).toHaveLength(3);
    await sync.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await mc.screenshot('sync-exported-1280');

    await sync.getByRole('button', { name: 'Contact sheet' }).click();
    const sheet = page.getByRole('dialog', { name: 'Contact sheet of Scene 7' });
    const strips = sheet.locator('.contact-strip img');
    await expect(strips).toHaveCount(3, { timeout: 60_000 });
    for (const img of await strips.all()) await expect(img).toHaveAttribute('src', /^data:image\/jpeg;base64,/);
    await mc.screenshot('sync-contact-sheet-1280');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await mc.screenshot('sync-contact-sheet-1920');
    await page.keyboard.press('Escape');
    await expect(sheet).toHaveCount(0);
    await sync.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await mc.screenshot('sync-aligned-1920');
  });
});

test.describe('an OAK camera after the take', () => {
  test.skip(!hasFfmpeg, 'needs ffmpeg');
  test.use({
    mcOptions: {
      simDevices: [
        { personality: 'oak', scene: { width: 320, height: 180, fps: { num: 25, den: 1 } } },
        { personality: 'spec', scene: { startErrorMs: 12, width: 320, height: 180, fps: { num: 25, den: 1 } } },
      ],
    },
  });

  test('its zip is offered to the editor as the video taken out of it: row, drag-out name and bytes', async ({ mc, page }) => {
    test.setTimeout(180_000);
    await recordSceneTake(mc, page, 'Scene 9', 4000);

    const take = page.getByRole('region', { name: 'Takes' }).getByRole('article', { name: 'Scene 9' });
    await expect(take.getByRole('region', { name: 'Alignment of Scene 9' }).getByText('2 of 2 cameras aligned')).toBeVisible({ timeout: 120_000 });
    const snap = await mc.controller.getSnapshot();
    if (!snap.ok) throw new Error(snap.error.message);
    const zip = snap.value.downloads.find((d) => /\.zip$/i.test(d.path));
    expect(zip, 'the OAK download').toBeDefined();
    const row = take.locator(`[aria-label="${zip!.deviceName}: ${zip!.path}"]`);
    const video = zip!.path.replace(/\.zip$/i, '.mp4');
    await expect(row.locator('.file-name')).toHaveText(video);
    await expect(row.getByText(`taken out of ${zip!.path}`)).toBeVisible();
    // Its picture and length come from the video too (a zip has neither).
    await expect(row.locator('img.thumb')).toHaveAttribute('src', /^data:image\/png;base64,/, { timeout: 20_000 });
    await expect(row.locator('.clip-duration')).toHaveText(/^00:0\d$/, { timeout: 20_000 });

    const url = await row.locator('[draggable="true"]').evaluate((el) => {
      const dt = new DataTransfer();
      el.dispatchEvent(new DragEvent('dragstart', { dataTransfer: dt, bubbles: true, cancelable: true }));
      return dt.getData('DownloadURL');
    });
    const m = /^video\/mp4:([^:]+):(http:.+)$/.exec(url);
    expect(m, url).not.toBeNull();
    expect(m![1]).toBe(video);
    const got = await page.request.get(m![2]!);
    expect(got.status()).toBe(200);
    const folder = snap.value.takes.find((t) => t.name === 'Scene 9')!.folder;
    expect((await got.body()).equals(readFileSync(join(folder, video)))).toBe(true);
    await row.scrollIntoViewIfNeeded();
    await mc.screenshot('oak-editor-file-1280');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await row.scrollIntoViewIfNeeded();
    await mc.screenshot('oak-editor-file-1920');
  });
});
