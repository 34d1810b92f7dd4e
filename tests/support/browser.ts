/**
 * Debian's Chromium, headless, driven by playwright-core (tools/ensure-browser.sh installs it), with what
 * the dashboard tests check on every page: no script error, no Content-Security-Policy violation, no
 * alert() (an injected script would call it), and axe-core's accessibility rules.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { REPO_ROOT } from './testbed';

export const CHROMIUM = process.env.GIMMING_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: run bash tools/ensure-browser.sh (npm test does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What went wrong in a page that a user would not see as such. */
export interface PageProblems {
  errors: string[];
  dialogs: string[];
}

export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], dialogs: [] };
  page.on('pageerror', (err) => problems.errors.push(err.message));
  page.on('console', (msg) => {
    // A 401 the page handles (the login coming back) is logged by the browser as a failed resource.
    if (msg.type() === 'error' && !/status of 40[134]/.test(msg.text())) problems.errors.push(msg.text());
  });
  page.on('dialog', (dialog) => {
    problems.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, problems };
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * Runs axe-core (WCAG 2.1 A and AA rules) in the page; fails on any serious or critical finding. The
 * script is evaluated through the DevTools protocol, which the page's CSP does not govern.
 */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations: AxeViolation[] = await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((r) => r.violations)",
  );
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `axe on ${what}`,
  );
}

/**
 * Where the screenshots go: the user guide's images with GIMMING_DASHBOARD_SCREENSHOTS=1 (to refresh
 * them), else a scratch directory (they are still taken, so a page that cannot be drawn fails).
 */
export const SCREENSHOT_DIR =
  process.env.GIMMING_DASHBOARD_SCREENSHOTS === '1'
    ? join(REPO_ROOT, 'doc', 'source', 'user', 'images')
    : join(tmpdir(), 'gimming-dashboard-screenshots');

/** A screenshot for doc/source/user/dashboard.rst. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `dashboard-${name}.png`) });
}

/** Logs in on the dashboard's login form; the token the page got, or undefined when refused. */
export async function logInAs(
  page: Page,
  user: { username: string; password: string; project_name: string },
): Promise<string | undefined> {
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('input[name=project]').fill(user.project_name);
  const answer = page.waitForResponse((r) => r.url().endsWith('/dashboard/session'));
  await page.getByRole('button', { name: 'Log in' }).click();
  const res = await answer;
  if (res.status() !== 201) return undefined;
  await page.locator('nav[aria-label="Pages"]').waitFor();
  return ((await res.json()) as { token: string }).token;
}
