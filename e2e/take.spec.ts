/**
 * A take as the operator sees it: Record (button and R key) → "Starting in …" → every device
 * Rolling → Stop (button and S key) → files downloaded into the take folder, shown done with size
 * and sha256; a device that dies mid-take is named with its reason while the others' files land.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, expectCardsRolling, stopTake, test } from './fixtures/controller';
import { formatBytes } from '../src-shared/format';

const recording = (page: Page) => page.getByRole('region', { name: 'Recording' });
const takes = (page: Page) => page.getByRole('region', { name: 'Takes' });

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** What the takes panel prints for a size. */
const bytesLabel = formatBytes;

/** The take folder shown on the take card, and its take.json. */
async function takeFolder(card: Locator): Promise<{
  folder: string;
  manifest: {
    takeId: string;
    name: string;
    devices: Array<{ name: string; download: { state: string; path: string | null; sha256: string | null; bytes: number } }>;
  };
}> {
  const folder = (await card.locator('.take-folder').textContent())?.trim() ?? '';
  expect(existsSync(join(folder, 'take.json')), `take.json in ${folder}`).toBe(true);
  return { folder, manifest: JSON.parse(readFileSync(join(folder, 'take.json'), 'utf8')) };
}

async function expectRolling(page: Page, takeName: string, names: string[]): Promise<void> {
  await expect(recording(page).locator('.focus-name')).toHaveText(takeName);
  await expectCardsRolling(page, names);
}

/** Every file row of the take card is Downloaded, with size and sha256 matching the file on disk. */
async function expectFilesDone(page: Page, takeName: string, names: string[]): Promise<string> {
  const card = takes(page).getByRole('article', { name: takeName });
  await expect(card.locator('.phase')).toHaveText(/^Done — \d+ files?$/, { timeout: 60_000 });
  for (const n of names)
    await expect(card.getByRole('group', { name: new RegExp(`^${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `) }).getByText('Downloaded')).toBeVisible();

  const { folder, manifest } = await takeFolder(card);
  expect(manifest.name).toBe(takeName);
  const videos = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name !== 'take.json' && !e.name.endsWith('.part'));
  expect(videos, `video files in ${folder}`).toHaveLength(names.length);
  for (const n of names) {
    const d = manifest.devices.find((x) => x.name === n);
    expect(d?.download.state, `download of ${n} in take.json`).toBe('done');
    const file = join(folder, d!.download.path!);
    const size = statSync(file).size;
    const sum = sha256(file);
    expect(d!.download.sha256).toBe(sum);
    const row = card.getByRole('group', { name: `${n}: ${d!.download.path}` });
    await expect(row.getByText('Downloaded')).toBeVisible();
    await expect(row.getByText(`✓ sha256 ${sum.slice(0, 8)}`)).toBeVisible();
    await expect(row.getByText(bytesLabel(size), { exact: true })).toBeVisible();
  }
  return folder;
}

test.describe('recording', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }, { personality: 'ios' }] } });

  test('Record → countdown → Rolling → Stop → files downloaded and on disk; then again with the R and S keys', async ({ mc, page }) => {
    await mc.open();
    const names = mc.sims.map(mc.nameOf);
    for (const n of names) await expect(page.getByRole('article', { name: n }).getByText('Online', { exact: true })).toBeVisible();

    // 1) the buttons
    await recording(page).getByLabel('Next take').fill('Scene 1');
    await recording(page).getByRole('button', { name: 'Record' }).click();
    await expect(recording(page).getByText(/^Starting in \d+\.\d s$/)).toBeVisible();
    await expectRolling(page, 'Scene 1', names);
    await expect(recording(page).getByText(/^Rolling \d\d:\d\d$/)).toBeVisible();
    for (const n of names) await expect(page.getByRole('article', { name: n }).getByText(/^REC/)).toBeVisible();
    await stopTake(page);
    const folder1 = await expectFilesDone(page, 'Scene 1', names);
    await expect(recording(page).getByRole('button', { name: 'Record' })).toBeEnabled();

    // 2) the keyboard: R records, S stops (focus outside any text field)
    await page.getByRole('heading', { name: 'MultiCam Controller' }).click();
    await page.keyboard.press('r');
    await expect(recording(page).getByText(/^Starting in \d+\.\d s$/)).toBeVisible();
    await expect(recording(page).getByRole('button', { name: 'Stop' })).toBeVisible();
    const second = (await recording(page).locator('.focus-name').textContent())?.trim() ?? '';
    expect(second).toBe('Scene 2');
    await expectRolling(page, second, names);
    // A single S only arms Stop; the second one stops.
    await page.keyboard.press('s');
    await expect(recording(page).getByRole('button', { name: 'Confirm stop' })).toBeVisible();
    await page.keyboard.press('s');
    const folder2 = await expectFilesDone(page, second, names);
    expect(folder2).not.toBe(folder1);
    await expect(takes(page).getByRole('article')).toHaveCount(2);
  });
});

test.describe('partial failure', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }, { personality: 'ios' }, { personality: 'spec' }] } });

  test('a device killed mid-take is named with its reason; the other devices still download', async ({ mc, page }) => {
    await mc.open();
    const names = mc.sims.map(mc.nameOf);
    for (const n of names) await expect(page.getByRole('article', { name: n }).getByText('Online', { exact: true })).toBeVisible();
    await recording(page).getByLabel('Next take').fill('Doomed 1');
    await recording(page).getByRole('button', { name: 'Record' }).click();
    await expectRolling(page, 'Doomed 1', names);

    const victim = mc.sims[1]!;
    const victimName = mc.nameOf(victim);
    await victim.kill();
    await stopTake(page);

    // Loud: the record panel names the device and why.
    const alert = recording(page).getByRole('alert').filter({ hasText: 'needs attention' });
    await expect(alert).toBeVisible({ timeout: 60_000 });
    await expect(alert).toContainText('⚠ 1 device needs attention');
    const item = alert.getByRole('listitem').filter({ hasText: victimName });
    await expect(item).toContainText(/stop failed|may still be recording/);
    await expect(item.getByRole('button', { name: `Retry stop on ${victimName}` })).toBeVisible();
    // Its card goes offline with a reason.
    const card = page.getByRole('article', { name: victimName });
    await expect(card.getByText('Unreachable', { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(card.locator('.card-reason')).not.toBeEmpty();

    // The others' files still arrive.
    const others = names.filter((n) => n !== victimName);
    const card2 = takes(page).getByRole('article', { name: 'Doomed 1' });
    await expect(card2.locator('.phase')).toHaveText(/^(Done|Failed)/, { timeout: 60_000 });
    const { folder, manifest } = await takeFolder(card2);
    for (const n of others) {
      const d = manifest.devices.find((x) => x.name === n)!;
      expect(d.download.state).toBe('done');
      expect(sha256(join(folder, d.download.path!))).toBe(d.download.sha256);
      await expect(card2.getByRole('group', { name: `${n}: ${d.download.path}` }).getByText('Downloaded')).toBeVisible();
    }
    // The dead device's row says what happened, not "Downloaded".
    const deadRow = card2.getByRole('listitem').filter({ hasText: victimName }).first();
    await expect(deadRow).toContainText(/Stop failed|May still be recording/);
  });
});
