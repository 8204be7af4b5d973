/**
 * Everything the operator sees is true (issue "Trust", items 1–8), in the real app against the
 * real controller and sims on loopback. Each test is a state that used to be shown wrongly:
 * a green "done" over failed files, a red alarm for an aborted countdown, REC during the
 * countdown, live-looking cards with the controller gone, a green "Added" for a refusing device,
 * raw error text, doubled or spoofed names, a recordings folder that hung the next take.
 * Screenshots: test-results/screenshots/trust-*.png (1280×800 and 1920×1080).
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { refusedPort } from '../src-main/core/device-client/servers.testing';
import { expect, openCardMenu, stopTake, test } from './fixtures/controller';

const recording = (page: Page) => page.getByRole('region', { name: 'Recording' });
const takes = (page: Page) => page.getByRole('region', { name: 'Takes' });
const card = (page: Page, name: string) => page.getByRole('region', { name: 'Devices' }).getByRole('article', { name });
const tally = (page: Page, name: string) => card(page, name).locator('.tally');

function manifestOf(folder: string): {
  outcome: string | null;
  aborted?: boolean;
  files?: { expected: number; downloaded: number };
  devices: Array<{
    name: string;
    start: { status: string; skipReason?: string | null };
    stop: { status: string };
    download: { state: string; path: string | null };
  }>;
} {
  return JSON.parse(readFileSync(join(folder, 'take.json'), 'utf8'));
}

async function shots(page: Page, mc: { screenshot(n: string): Promise<string> }, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await mc.screenshot(`trust-${name}-1280x800`);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await mc.screenshot(`trust-${name}-1920x1080`);
  await page.setViewportSize({ width: 1440, height: 900 });
}

test.describe('1 + 6: a take with a failed download', () => {
  test.use({
    mcOptions: { simDevices: [{ personality: 'spec' }, { personality: 'spec', fileSize: 300_000, faults: [{ name: 'truncate', afterBytes: 100_000 }] }] },
  });

  test('says "Done — 1 of 2 files" in warning colour, take.json says partial, and the failed file is one plain line', async ({ mc, page }) => {
    await mc.open();
    const [good, cut] = mc.sims.map(mc.nameOf) as [string, string];
    for (const n of [good, cut]) await expect(tally(page, n)).toHaveText('Online');
    await recording(page).getByRole('button', { name: 'Record' }).click();
    for (const n of [good, cut]) await expect(tally(page, n)).toHaveText(/^REC/, { timeout: 30_000 });
    await stopTake(page);
    const take = takes(page).getByRole('article').first();
    const chip = take.locator('.phase');
    await expect(chip).toHaveText('Done — 1 of 2 files', { timeout: 60_000 });
    await expect(chip).toHaveClass(/tone-warn/);
    await expect(chip).not.toHaveClass(/phase-complete/);
    await expect(recording(page).locator('.phase')).toHaveText('Done — 1 of 2 files');

    const folder = (await take.locator('.take-folder').textContent())!.trim();
    const m = manifestOf(folder);
    expect(m.outcome).toBe('partial');
    expect(m.files).toEqual({ expected: 2, downloaded: 1 });

    // One line: what happened, how far, what was kept — no code, no temp path.
    const failed = take.locator('.file-error').first();
    await expect(failed).toContainText(/^connection closed early after 97\.7 KiB of 293 KiB — partial kept/);
    expect(await failed.evaluate((el) => el.firstChild?.textContent ?? '')).not.toMatch(/closed_early|\/tmp|\.part/);
    await shots(page, mc, 'partial-take');
  });
});

test.describe('2 + 3: Stop during the countdown', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'ios' }, { personality: 'spec' }] } });

  test('cards say Armed (never REC) during the countdown; Stop is an abort, the started clip is kept, nobody needs attention', async ({ mc, page }) => {
    expect((await mc.controller.updateSettings({ delaySeconds: 25 })).ok).toBe(true);
    await mc.open();
    const [ios, spec] = mc.sims.map(mc.nameOf) as [string, string];
    for (const n of [ios, spec]) await expect(tally(page, n)).toHaveText('Online');
    await recording(page).getByRole('button', { name: 'Record' }).click();
    await expect(recording(page).getByText(/^Starting in \d+\.\d s$/)).toBeVisible();
    // The iPhone app reports "recording" from START's arrival: still Armed, not REC, until the instant.
    await expect.poll(() => mc.sims[0]!.state, { timeout: 10_000 }).toBe('recording');
    for (const n of [ios, spec]) await expect(tally(page, n)).toHaveText('Armed');
    await shots(page, mc, 'countdown-armed');
    await stopTake(page);

    const take = takes(page).getByRole('article').first();
    await expect(take.locator('.phase')).toHaveText('Aborted — 1 clip kept', { timeout: 60_000 });
    await expect(page.getByText(/need(s)? attention/)).toHaveCount(0);
    await expect(page.getByRole('button', { name: /Retry stop/ })).toHaveCount(0);
    const folder = (await take.locator('.take-folder').textContent())!.trim();
    // The panel can show the outcome a moment before take.json has been written with it.
    await expect.poll(() => manifestOf(folder).outcome, { timeout: 15_000 }).toBe('aborted');
    const m = manifestOf(folder);
    expect(m.devices.map((d) => d.stop.status)).toEqual(['stopped', 'cancelled']);
    expect(m.devices[0]!.download.state).toBe('done');
    await shots(page, mc, 'aborted-take');
  });
});

test.describe('3: one state per device', () => {
  test.use({
    mcOptions: { simDevices: [{ personality: 'android', stopDelayMs: 6_000 }, { personality: 'spec' }, { personality: 'spec' }, { personality: 'spec' }] },
  });

  test('Stopping (not Online) while stopping; a device left out and one that cannot be reached are told apart', async ({ mc, page }) => {
    expect((await mc.controller.updateSettings({ delaySeconds: 1 })).ok).toBe(true);
    await mc.open();
    const [slow, spec, out, dead] = mc.sims.map(mc.nameOf) as [string, string, string, string];
    for (const n of [slow, spec, out, dead]) await expect(tally(page, n)).toHaveText('Online');
    await card(page, out).getByText('In next take', { exact: true }).click();
    await expect(card(page, out).getByRole('switch')).not.toBeChecked();
    await mc.sims[3]!.kill();
    await expect(tally(page, dead)).toHaveText('Unreachable', { timeout: 30_000 });

    await recording(page).getByRole('button', { name: 'Record' }).click();
    await expect(tally(page, slow)).toHaveText(/^REC/, { timeout: 30_000 });
    await expect(tally(page, out)).toHaveText('Left out');
    await expect(tally(page, dead)).toHaveText('Unreachable');
    await shots(page, mc, 'left-out-vs-unreachable');
    await stopTake(page);
    // The Android app trims for seconds before it answers STOP: its card says so the whole time.
    await expect(tally(page, slow)).toHaveText('Stopping…');
    await shots(page, mc, 'stopping');
    await expect(tally(page, slow)).toHaveText('Online', { timeout: 30_000 });

    const take = takes(page).getByRole('article').first();
    await expect(take.locator('.phase')).toHaveText('Done — 2 of 3 files', { timeout: 60_000 });
    const m = manifestOf((await take.locator('.take-folder').textContent())!.trim());
    expect(m.devices.map((d) => d.start.skipReason ?? null)).toEqual([null, null, 'left_out', 'unreachable']);
  });
});

test.describe('4: controller connection lost', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }] } });

  test('every card, chip and button says unknown and nothing can be pressed until a fresh snapshot', async ({ mc, page }) => {
    await mc.open();
    const name = mc.nameOf(mc.sims[0]!);
    await expect(tally(page, name)).toHaveText('Online');
    await mc.bridge.close();
    await expect(tally(page, name)).toHaveText('Unknown');
    await expect(recording(page).getByRole('button', { name: 'Record' })).toBeDisabled();
    await expect(card(page, name).getByRole('switch')).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Add device' })).toBeDisabled();
    await expect(page.getByText('Controller clock unknown')).toBeVisible();
    await shots(page, mc, 'connection-lost');
    await mc.restart();
    await expect(tally(page, name)).toHaveText('Online', { timeout: 30_000 });
    await expect(recording(page).getByRole('button', { name: 'Record' })).toBeEnabled();
  });
});

test.describe('5: add device', () => {
  test('says at once that a device refuses; refuses a duplicate; [::1]:port survives a restart; Remove forgets it', async ({ mc, page }) => {
    await mc.open();
    const input = page.getByRole('textbox', { name: 'Device address' });
    const add = page.getByRole('button', { name: 'Add device' });
    const port = await refusedPort();
    await input.fill(`127.0.0.1:${port}`);
    await add.click();
    await expect(page.getByRole('status').filter({ hasText: `Added 127.0.0.1:${port} — not answering: connection refused` })).toBeVisible({ timeout: 3_000 });
    await shots(page, mc, 'add-refused');

    const sim = await mc.startSim({ personality: 'spec', host: '::1' });
    const address = `[::1]:${sim.port}`;
    await input.fill(address);
    await add.click();
    await expect(page.getByRole('status').filter({ hasText: `Added ${address} — answering as ${sim.deviceId}.` })).toBeVisible();
    await input.fill(address);
    await add.click();
    await expect(page.getByRole('alert').filter({ hasText: `${address} is already in the list as ${sim.deviceId}.` })).toBeVisible();

    const saved = () => (JSON.parse(readFileSync(join(mc.userDataDir, 'settings.json'), 'utf8')) as { manualDevices: string[] }).manualDevices;
    expect(saved()).toContain(address);
    await mc.restart();
    await expect(tally(page, sim.deviceId)).toHaveText('Online', { timeout: 30_000 });
    expect(saved()).toContain(address);
    await openCardMenu(page, sim.deviceId);
    await page.getByRole('button', { name: `Remove ${sim.deviceId}` }).click();
    await expect(card(page, sim.deviceId)).toHaveCount(0);
    expect(saved()).not.toContain(address);
  });
});

test.describe('7: names', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'ios' }] } });

  test('a device added by address takes its own name; a label with bidi overrides is neutralised; no doubled name in the file', async ({ mc, page }) => {
    expect((await mc.controller.updateSettings({ delaySeconds: 0.5 })).ok).toBe(true);
    await mc.open();
    const sim = mc.sims[0]!;
    const address = mc.addressOf(sim);
    await expect(tally(page, sim.deviceId)).toHaveText('Online');
    // An operator label that spoofs its reading order: shown without the overrides.
    expect((await mc.controller.renameDevice(address, 'Cam \u202eevil\u202c A')).ok).toBe(true);
    await expect(card(page, 'Cam evil A')).toHaveCount(1);
    expect(await card(page, 'Cam evil A').locator('h3').textContent()).toBe('Cam evil A');
    // Known by its mDNS-style instance name: the file name says the device once.
    expect((await mc.controller.renameDevice(address, `multiCam-${sim.deviceId}`)).ok).toBe(true);
    await recording(page).getByRole('button', { name: 'Record' }).click();
    await expect(tally(page, `multiCam-${sim.deviceId}`)).toHaveText(/^REC/, { timeout: 30_000 });
    await stopTake(page);
    const take = takes(page).getByRole('article').first();
    await expect(take.locator('.phase')).toHaveText('Done — 1 file', { timeout: 60_000 });
    const m = manifestOf((await take.locator('.take-folder').textContent())!.trim());
    const path = m.devices[0]!.download.path!;
    expect(path.startsWith(`${sim.deviceId}_`)).toBe(true);
    expect(path.split(sim.deviceId).length - 1).toBe(1);
  });
});

test.describe('8: settings checked when saved; a take that cannot start lets go', () => {
  test.use({ mcOptions: { simDevices: [{ personality: 'spec' }] } });

  test('a recordings folder under a file or under /proc is refused on Save in plain words; a folder gone bad fails the take at once and frees Record', async ({
    mc,
    page,
  }) => {
    await mc.open();
    const name = mc.nameOf(mc.sims[0]!);
    await expect(tally(page, name)).toHaveText('Online');
    const file = join(mc.root, 'a-file');
    writeFileSync(file, 'x');
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const folder = dialog.getByLabel('Recordings folder');
    await folder.fill(join(file, 'takes'));
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog.getByRole('alert')).toHaveText(`Recordings folder: part of ${join(file, 'takes')} is a file, not a folder.`);
    await folder.fill('/proc/multicam/takes');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog.getByRole('alert')).toHaveText(/^Recordings folder: \/proc\/multicam\/takes cannot be created there/, { timeout: 6_000 });
    await dialog.getByLabel('Start delay (s)').fill('0.1');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect(dialog.getByRole('alert')).toHaveText('Start delay must be at least 0.5 s.');
    await shots(page, mc, 'settings-refused');
    await page.keyboard.press('Escape');

    // The saved folder turns into a file behind the app's back: Record says why and is free again.
    rmSync(mc.recordingsDir, { recursive: true, force: true });
    writeFileSync(mc.recordingsDir, 'not a folder');
    await recording(page).getByRole('button', { name: 'Record' }).click();
    await expect(recording(page).getByRole('alert')).toHaveText(`Cannot start the take: part of ${mc.recordingsDir} is a file, not a folder.`, {
      timeout: 6_000,
    });
    await expect(recording(page).getByRole('button', { name: 'Record' })).toBeEnabled();
    await shots(page, mc, 'start-refused');
    rmSync(mc.recordingsDir, { force: true });
    await recording(page).getByRole('button', { name: 'Record' }).click();
    await expect(recording(page).getByText(/^Starting in \d+\.\d s$/)).toBeVisible();
  });
});
