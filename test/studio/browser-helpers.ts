// The Studio's browser tests share: Debian's chromium driven by playwright-core (nothing is downloaded; the tests
// skip with a message when none is installed) and screenshots into $REFRACT_STUDIO_SHOTS when it is set.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? process.env['CHROMIUM_PATH'];
export const skipWithoutChromium = CHROMIUM === undefined ? 'no chromium found (apt-get install chromium, or set CHROMIUM_PATH)' : false;
const SHOTS = process.env['REFRACT_STUDIO_SHOTS'];

export async function browser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox'] });
}

export async function shot(page: import('playwright-core').Page, name: string): Promise<void> {
  if (SHOTS === undefined) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}
