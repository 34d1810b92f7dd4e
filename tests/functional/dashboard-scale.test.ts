/**
 * The dashboard's matrix at scale: 10,000 images in 6 clouds, the first screen (a page of 50) in under a
 * second in Chromium, the next page, and scrolling without long frames. Tokens are cached by the API as
 * deployed ([keystone_authtoken] token_cache_time), unlike dashboard.test.ts which validates each request.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { Browser } from 'playwright-core';
import { launchChromium, logInAs, watchedPage } from '../support/browser';
import type { DaemonSet } from '../support/daemons';
import { http as call } from '../support/http';
import type { Token } from '../support/openstack';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

describe('the dashboard with 10,000 images (Chromium)', function () {
  this.timeout(90000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let admin: Token;
  let browser: Browser;
  let clouds: Record<string, string>;

  // No periodic check of the 10,000 images this test writes (their copies are made up).
  const stack = useStack({ extraConfig: '[conductor]\nrefresh_interval = 0\n' });

  before(async function () {
    ({ bed, daemons, api, admin } = stack);
    clouds = { ...stack.cloudIds };
    browser = await launchChromium();
  });

  after(async function () {
    this.timeout(60000);
    await browser?.close();
  });

  it('shows the first screen of 10,000 images in 6 clouds in under a second', async function () {
    this.timeout(180000);
    // Four more shared clouds (6 columns), and 10,000 of alt's images with copies in three of them,
    // written straight to this run's database: making them through the API would take minutes.
    for (const extra of ['zone-c', 'zone-d', 'zone-e', 'zone-f']) {
      const res = await call('POST', `${api}/v1/clouds`, {
        token: admin.id,
        json: { name: extra, type: 'openstack', region_name: 'RegionOne', zone: 'zone-a' },
      });
      assert.equal(res.status, 201, res.text);
      clouds[extra] = res.body.id;
    }
    const owner = stack.alt.projectId;
    const db = await mysql.createConnection({ host: '127.0.0.1', user: 'root', database: daemons.dbName });
    const now = new Date();
    const cloudIds = Object.values(clouds);
    for (let start = 0; start < 10000; start += 1000) {
      const images: unknown[][] = [];
      const locations: unknown[][] = [];
      for (let i = start; i < start + 1000; i++) {
        const id = randomUUID();
        images.push([
          id,
          `perf-${String(i).padStart(5, '0')}`,
          owner,
          'private',
          'active',
          1024,
          '{"disk_format":"raw","container_format":"bare"}',
          now,
          now,
        ]);
        for (let c = 0; c < 3; c++) {
          const status = i % 7 === 0 && c === 2 ? 'missing' : 'active';
          locations.push([
            randomUUID(),
            id,
            cloudIds[(i + c) % cloudIds.length],
            randomUUID(),
            status,
            now,
            now,
            now,
          ]);
        }
      }
      await db.query(
        'INSERT INTO images (id, spec_name, owner, spec_visibility, status, size, spec, created_at, updated_at) VALUES ?',
        [images],
      );
      await db.query(
        'INSERT INTO locations (id, image_id, cloud_id, remote_id, status, last_verified_at, created_at, updated_at) VALUES ?',
        [locations],
      );
    }
    await db.end();
    const perfContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page: p, problems: perfProblems } = await watchedPage(perfContext);
      await p.goto(`${api}/dashboard/#/tasks`);
      assert.ok(await logInAs(p, bed.users.alt));
      await p.click('nav[aria-label="Pages"] a[href="#/tasks"]');
      await p.getByRole('heading', { name: 'Tasks' }).waitFor();
      const timings: number[] = [];
      for (let run = 0; run < 3; run++) {
        const t0 = Date.now();
        await p.click('nav[aria-label="Pages"] a[href="#/images"]');
        await p.getByRole('checkbox', { name: 'perf-00000 in zone-a', exact: true }).waitFor();
        timings.push(Date.now() - t0);
        await p.click('nav[aria-label="Pages"] a[href="#/tasks"]');
        await p.getByRole('heading', { name: 'Tasks' }).waitFor();
      }
      await p.click('nav[aria-label="Pages"] a[href="#/images"]');
      await p.getByRole('checkbox', { name: 'perf-00000 in zone-a', exact: true }).waitFor();
      assert.equal(await p.locator('table.matrix thead th').count(), 7, 'name and 6 clouds');
      assert.equal(await p.locator('table.matrix tbody tr').count(), 50);
      const t1 = Date.now();
      await p.getByRole('button', { name: 'Next →' }).click();
      await p.getByRole('checkbox', { name: 'perf-00050 in zone-a', exact: true }).waitFor();
      const nextPage = Date.now() - t1;
      // The longest frame while the matrix scrolls by 40 px a frame.
      const scroll: number = await p.evaluate(`(async () => {
        const wrap = document.querySelector('.matrix-wrap');
        const frames = [];
        let last = performance.now();
        for (let i = 0; i < 30; i++) {
          wrap.scrollTop += 40;
          await new Promise((r) => requestAnimationFrame(r));
          const t = performance.now();
          frames.push(t - last);
          last = t;
        }
        return Math.max(...frames);
      })()`);
      console.log(
        `      10,000 images x 6 clouds: first screen ${timings.join(', ')} ms; next page ${nextPage} ms; ` +
          `longest scroll frame ${Math.round(scroll)} ms`,
      );
      // The median of three: the first also warms the caches (the token's validation, the database's).
      const median = [...timings].sort((a, b) => a - b)[1] as number;
      assert.ok(median < 1000, `first screen in ${timings.join(', ')} ms`);
      assert.ok(scroll < 100, `scroll frames up to ${scroll} ms`);
      assert.deepEqual(perfProblems.errors, []);
    } finally {
      await perfContext.close();
    }
  });
});
