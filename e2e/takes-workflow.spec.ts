/**
 * Takes you can work with: names that count on, clips with duration, size and full file name,
 * good / no good / note persisted in take.json and shown after a restart, a browser-mode drag of a
 * finished file carrying a DownloadURL whose address serves the exact bytes only with the token,
 * Reveal folder through the controller, a whole take draggable, Move to trash (never a delete).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, expectCardsRolling, test } from './fixtures/controller';

const rec = (page: Page) => page.getByRole('region', { name: 'Recording' });
const takes = (page: Page) => page.getByRole('region', { name: 'Takes' });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Start a drag on `selector` inside the page and return what it put on the DataTransfer. */
async function dragData(page: Page, selector: string): Promise<Record<string, string>> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) throw new Error(`no ${sel}`);
    const dt = new DataTransfer();
    el.dispatchEvent(new DragEvent('dragstart', { dataTransfer: dt, bubbles: true, cancelable: true }));
    return Object.fromEntries(['DownloadURL', 'text/uri-list'].map((t) => [t, dt.getData(t)]));
  }, selector);
}

test.describe('takes workflow', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }, { personality: 'ios' }] }, viewport: { width: 1280, height: 800 } });

  test('name counts on, S once does not stop, clips listed in full, review persisted across a restart, drag-out, reveal, trash', async ({ mc, page }) => {
    await mc.open();
    const names = mc.sims.map(mc.nameOf);
    for (const n of names) await expect(page.getByRole('article', { name: n }).getByText('Online', { exact: true })).toBeVisible();

    await rec(page).getByLabel('Next take').fill('Scene 4 — take 3');
    await rec(page).getByRole('button', { name: 'Record' }).click();
    await expectCardsRolling(page, names);

    // A single stray S must not end the take.
    await page.getByRole('heading', { name: 'MultiCam Controller' }).click();
    await page.keyboard.press('s');
    await expect(rec(page).getByRole('button', { name: 'Confirm stop' })).toBeVisible();
    await page.waitForTimeout(3500); // longer than the confirmation window
    await expect(rec(page).getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
    expect(
      (await mc.controller.getSnapshot()).ok && ((await mc.controller.getSnapshot()) as { value: { activeTakeId: string | null } }).value.activeTakeId,
    ).toBeTruthy();
    await expectCardsRolling(page, names);
    // Holding S stops.
    await page.keyboard.down('s');
    await page.waitForTimeout(900);
    await page.keyboard.up('s');
    await expect(rec(page).getByRole('button', { name: 'Record' })).toBeVisible({ timeout: 30_000 });

    // The next take's name counts on.
    await expect(rec(page).getByLabel('Next take')).toHaveValue('Scene 4 — take 4');

    const take = takes(page).getByRole('article', { name: 'Scene 4 — take 3' });
    await expect(take.locator('.phase')).toHaveText(/^Done — 2 files$/, { timeout: 60_000 });
    const folder = (await take.locator('.take-folder').textContent())!.trim();
    const manifest = () => JSON.parse(readFileSync(join(folder, 'take.json'), 'utf8'));
    const devices = manifest().devices as Array<{ name: string; download: { path: string; sha256: string; bytes: number; id: string } }>;

    // Each clip: full file name (selectable text, not cut), duration and size.
    for (const d of devices) {
      const row = take.getByRole('group', { name: `${d.name}: ${d.download.path}` });
      await expect(row.locator('.file-name')).toHaveText(d.download.path);
      expect(await row.locator('.file-name').evaluate((el) => getComputedStyle(el).userSelect)).not.toBe('none');
      expect(await row.locator('.file-name').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      await expect(row.locator('.clip-duration')).toHaveText(/^\d\d:\d\d$/);
      await expect(row.getByText(/^\d+(\.\d+)? (B|KiB|MiB)$/)).toBeVisible();
    }

    // Good + a note: in take.json, and still shown after the controller restarts.
    await take.getByRole('button', { name: '✓ Good' }).click();
    await expect(take.getByRole('button', { name: '✓ Good' })).toHaveAttribute('aria-pressed', 'true');
    await take.getByRole('button', { name: 'Add note' }).click();
    await take.getByLabel('Note for Scene 4 — take 3').fill('Best of the morning; mic bumped at 0:40');
    await take.getByRole('button', { name: 'Save note' }).click();
    await expect(take.locator('.take-note')).toHaveText('Best of the morning; mic bumped at 0:40');
    await expect.poll(() => manifest().review).toMatchObject({ rating: 'good', note: 'Best of the morning; mic bumped at 0:40' });
    await mc.restart();
    await page.reload();
    await expect(page.getByText('Loading devices and takes…')).toHaveCount(0);
    const after = takes(page).getByRole('article', { name: 'Scene 4 — take 3' });
    await expect(after.getByRole('button', { name: '✓ Good' })).toHaveAttribute('aria-pressed', 'true');
    await expect(after.getByRole('button', { name: '✕ No good' })).toHaveAttribute('aria-pressed', 'false');
    await expect(after.locator('.take-note')).toHaveText('Best of the morning; mic bumped at 0:40');
    await after.getByRole('button', { name: '✕ No good' }).click();
    await expect.poll(() => manifest().review?.rating).toBe('no_good');

    // Browser-mode drag-out: DownloadURL over a token-checked local address serving the exact bytes.
    const d0 = devices[0]!;
    const data = await dragData(page, `[aria-label="${d0.name}: ${d0.download.path}"] [draggable="true"]`);
    const m = /^([^:]+):([^:]+):(http:\/\/127\.0\.0\.1:\d+\/files\/.+)$/.exec(data.DownloadURL!);
    expect(m, data.DownloadURL).not.toBeNull();
    expect(m![1]).toMatch(/^video\//);
    expect(m![2]).toBe(basename(d0.download.path));
    const url = new URL(m![3]!);
    expect(url.searchParams.get('token')).toBe(mc.bridge.token);
    const withToken = await page.request.get(url.href);
    expect(withToken.status()).toBe(200);
    expect(sha256(await withToken.body())).toBe(d0.download.sha256);
    expect(sha256(await withToken.body())).toBe(sha256(readFileSync(join(folder, d0.download.path))));
    const noToken = new URL(url.href);
    noToken.searchParams.delete('token');
    expect((await page.request.get(noToken.href)).status()).toBe(403);
    noToken.searchParams.set('token', 'x'.repeat(64));
    expect((await page.request.get(noToken.href)).status()).toBe(403);

    // The whole take drags as its files.
    const all = await dragData(page, '[aria-label="Scene 4 — take 3"] .take-drag');
    const urls = all['text/uri-list']!.split('\r\n');
    expect(urls).toHaveLength(2);
    for (const u of urls) expect((await page.request.get(u)).status()).toBe(200);

    // Reveal folder goes through the controller's opener with the take folder.
    await after.getByRole('button', { name: 'Reveal Scene 4 — take 3 in folder' }).click();
    await expect.poll(() => mc.revealed).toContainEqual({ path: folder, kind: 'folder' });
    await after.getByRole('button', { name: `Reveal ${d0.download.path} in folder` }).click();
    await expect.poll(() => mc.revealed.length).toBe(2);
    expect(mc.revealed[1]!.kind).toBe('file');

    // Move to trash: a confirm, then the folder is in Trash/ inside the recordings folder, not deleted.
    await after.getByRole('button', { name: 'Move Scene 4 — take 3 to trash' }).click();
    await after.getByRole('button', { name: 'Confirm: move Scene 4 — take 3 to the Trash folder' }).click();
    await expect(takes(page).getByRole('article', { name: 'Scene 4 — take 3' })).toHaveCount(0);
    const trashed = join(mc.recordingsDir, 'Trash', basename(folder));
    await expect(
      takes(page).getByRole('status').getByText(`Moved Scene 4 — take 3 to the Trash folder inside your recordings folder: ${trashed}`),
    ).toBeVisible();
    expect(existsSync(folder)).toBe(false);
    const kept = JSON.parse(readFileSync(join(trashed, 'take.json'), 'utf8'));
    expect(kept.trashedAt).toEqual(expect.any(String));
    expect(sha256(readFileSync(join(trashed, d0.download.path)))).toBe(d0.download.sha256);
    await mc.screenshot('takes-workflow-after-trash');
  });
});
