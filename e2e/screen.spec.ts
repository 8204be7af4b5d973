/**
 * The operator's screen: a dense grid that fits (8 devices at 1280×800, 16 at 1920×1080, 32
 * scrolling inside the grid with the record panel fixed), few tab stops per card, the device
 * name as the card heading, and screenshots at both sizes for 1, 8 and 32 devices, idle and
 * mid-take (test-results/screenshots/screen-*.png).
 */
import type { Page } from '@playwright/test';
import { expect, test, type McEnv } from './fixtures/controller';

const SIZES = [
  { width: 1280, height: 800, mustFit: 8 },
  { width: 1920, height: 1080, mustFit: 16 },
] as const;

const grid = (page: Page) => page.getByRole('region', { name: 'Devices' });
const cards = (page: Page) => grid(page).getByRole('article');

async function addCameras(mc: McEnv, page: Page, n: number) {
  const r = await mc.controller.addVirtualDevices(n, 'spec');
  expect(r.ok).toBe(true);
  await expect(cards(page)).toHaveCount(n);
  await expect(grid(page).getByText('Online', { exact: true })).toHaveCount(n, { timeout: 30_000 });
}

/** Every listed card lies fully inside the viewport. */
async function expectCardsInViewport(page: Page, count: number) {
  const vp = page.viewportSize()!;
  for (let i = 0; i < count; i++) {
    const box = await cards(page).nth(i).boundingBox();
    expect(box, `card ${i + 1}`).not.toBeNull();
    expect(box!.x, `card ${i + 1} left`).toBeGreaterThanOrEqual(0);
    expect(box!.y, `card ${i + 1} top`).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, `card ${i + 1} right`).toBeLessThanOrEqual(vp.width);
    expect(box!.y + box!.height, `card ${i + 1} bottom`).toBeLessThanOrEqual(vp.height);
  }
}

async function recordAndWaitRolling(page: Page, n: number) {
  const rec = page.getByRole('region', { name: 'Recording' });
  await rec.getByRole('button', { name: 'Record' }).click();
  await expect(grid(page).getByText('REC', { exact: true })).toHaveCount(n, { timeout: 30_000 });
}

async function stopTake(page: Page) {
  const rec = page.getByRole('region', { name: 'Recording' });
  await rec.getByRole('button', { name: 'Stop' }).click();
  await rec.getByRole('button', { name: 'Confirm stop' }).click();
  await expect(rec.getByRole('button', { name: 'Record' })).toBeVisible({ timeout: 30_000 });
}

for (const size of SIZES) {
  test.describe(`${size.width}×${size.height}`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test(`${size.mustFit} devices: every card fully visible without scrolling; idle and mid-take screenshots`, async ({ mc, page }) => {
      await mc.open();
      await addCameras(mc, page, size.mustFit);
      await expectCardsInViewport(page, size.mustFit);
      await mc.screenshot(`screen-${size.width}x${size.height}-${size.mustFit}-idle`);
      await recordAndWaitRolling(page, size.mustFit);
      await expectCardsInViewport(page, size.mustFit);
      await mc.screenshot(`screen-${size.width}x${size.height}-${size.mustFit}-take`);
      // The dark theme follows the system setting.
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(13, 15, 18)');
      await mc.screenshot(`screen-${size.width}x${size.height}-${size.mustFit}-take-dark`);
      await page.emulateMedia({ colorScheme: 'light' });
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(238, 240, 243)');
      await stopTake(page);
    });

    test('1 device: idle and mid-take screenshots', async ({ mc, page }) => {
      await mc.open();
      await addCameras(mc, page, 1);
      await expectCardsInViewport(page, 1);
      await mc.screenshot(`screen-${size.width}x${size.height}-1-idle`);
      await recordAndWaitRolling(page, 1);
      await mc.screenshot(`screen-${size.width}x${size.height}-1-take`);
      await stopTake(page);
    });

    test('32 devices scroll inside the grid; the record panel stays put', async ({ mc, page }) => {
      await mc.open();
      await addCameras(mc, page, 32);
      const panel = page.getByRole('region', { name: 'Recording' });
      const before = await panel.boundingBox();
      // The page itself does not scroll: the grid does.
      expect(await page.evaluate(() => document.scrollingElement!.scrollHeight <= window.innerHeight + 1)).toBe(true);
      await mc.screenshot(`screen-${size.width}x${size.height}-32-idle`);
      await cards(page).last().scrollIntoViewIfNeeded();
      await expect(cards(page).last()).toBeInViewport({ ratio: 1 });
      const scrolled = await grid(page)
        .locator('.grid')
        .evaluate((el) => el.scrollTop);
      expect(scrolled).toBeGreaterThan(0);
      expect(await panel.boundingBox()).toEqual(before);
      await recordAndWaitRolling(page, 32);
      expect(await panel.boundingBox()).toEqual(before);
      await mc.screenshot(`screen-${size.width}x${size.height}-32-take`);
      await stopTake(page);
    });
  });
}

test.describe('cards', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('at most 4 tab stops per card; the heading is the device name; long names are never broken mid-word', async ({ mc, page }) => {
    await mc.open();
    const r = await mc.controller.addVirtualDevices(2, 'spec');
    expect(r.ok).toBe(true);
    const long = 'multiCam-Forest-ea5026ca-5ad0-42c3-ba5a-7dd3053edcdd';
    expect((await mc.controller.renameDevice(r.ok ? r.value[0]!.deviceKey : '', long)).ok).toBe(true);
    const card = cards(page).filter({ has: page.getByRole('heading', { name: long, exact: true }) });
    await expect(card).toHaveCount(1);
    await expect(card.getByRole('heading', { level: 3 })).toHaveText(long);

    // Tab through the card from just before it: count the stops that land inside it.
    const stops = await card.evaluate((el) => {
      const sel = 'a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex]:not([tabindex="-1"])';
      return [...el.querySelectorAll<HTMLElement>(sel)].filter((x) => x.tabIndex >= 0 && x.getClientRects().length > 0).length;
    });
    expect(stops).toBeLessThanOrEqual(4);
    await card.getByRole('switch').focus();
    let inside = 0;
    for (let i = 0; i < 10; i++) {
      const there = await card.evaluate((el) => el.contains(document.activeElement));
      if (!there) break;
      inside++;
      await page.keyboard.press('Tab');
    }
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThanOrEqual(4);

    // One line with an ellipsis, not wrapped mid-word; the whole name is on hover and on focus.
    const heading = card.getByRole('heading', { level: 3 });
    // The ellipsis sits before the name's last part, which stays whole (names share long prefixes).
    const metrics = await heading.evaluate((el) => {
      const head = el.querySelector<HTMLElement>('.name-head')!;
      const tail = el.querySelector<HTMLElement>('.name-tail')!;
      return {
        lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight || '20')),
        clipped: head.scrollWidth > head.clientWidth,
        overflow: getComputedStyle(head).textOverflow,
        tail: tail.textContent,
        tailWhole: tail.scrollWidth <= tail.clientWidth && tail.getBoundingClientRect().right <= el.getBoundingClientRect().right + 0.5,
      };
    });
    expect(metrics.clipped).toBe(true);
    expect(metrics.overflow).toBe('ellipsis');
    expect(metrics.lines).toBeLessThanOrEqual(1);
    expect(metrics.tail).toBe('-7dd3053edcdd'.slice(-6));
    expect(metrics.tailWhole).toBe(true);
    await expect(heading).toHaveAttribute('title', long);
    await card.getByRole('switch').focus();
    await page.keyboard.press('Tab'); // keyboard focus (focus-visible) on the More button
    await expect(card.locator('.name-tip')).toBeVisible();
    await expect(card.locator('.name-tip')).toHaveText(long);
    // Opened from the keyboard, the More panel names the device itself: the tip never covers it,
    // also while Tab moves through the panel's buttons.
    await page.keyboard.press('Enter');
    await expect(card.locator('.more-panel')).toBeVisible();
    await page.keyboard.press('Tab');
    await expect(card.locator('.name-tip')).toBeHidden();
    await page.keyboard.press('Escape');
    await expect(card.locator('.more-panel')).toHaveCount(0);

    // Colour labels are in the small menu, not on the card.
    await expect(card.getByRole('button', { name: /^Label / })).toHaveCount(0);
    await card.getByRole('button', { name: `More for ${long}` }).click();
    await card.getByRole('button', { name: `Label ${long} green` }).click();
    await expect(card.getByRole('button', { name: `Label ${long} green` })).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('Escape');
    await expect(card.getByRole('button', { name: /^Label / })).toHaveCount(0);
    await expect(card.getByRole('button', { name: `More for ${long}` })).toBeFocused();
  });
});
