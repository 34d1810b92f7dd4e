/**
 * clouds.yaml as openstacksdk reads it, on real files in a scratch directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudFromFiles } from '../../../src/gimmingclient/cloud-config';

describe('clouds.yaml reader', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gimming-clouds-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts the duplicate top-level keys DevStack appends on every run, the last one winning', () => {
    // What DevStack's clouds.yaml looks like after a second stack.sh: `functional:` twice.
    writeFileSync(
      join(dir, 'clouds.yaml'),
      [
        'clouds:',
        '  devstack-admin:',
        '    auth: {auth_url: "https://h/identity", username: admin, password: s}',
        '    cacert: /opt/stack/data/ca-bundle.pem',
        '    region_name: RegionOne',
        'functional:',
        '  image_name: cirros-0.6.2',
        'functional:',
        '  image_name: cirros-0.6.3',
        '',
      ].join('\n'),
    );
    const cloud = cloudFromFiles('devstack-admin', [dir]);
    assert.equal(cloud.auth.username, 'admin');
    assert.equal(cloud.cacert, '/opt/stack/data/ca-bundle.pem');
    assert.equal(cloud.region_name, 'RegionOne');
  });

  it('keeps the last of a cloud given twice, as PyYAML does', () => {
    writeFileSync(
      join(dir, 'clouds.yaml'),
      [
        'clouds:',
        '  c:',
        '    auth: {auth_url: "http://old/v3"}',
        '  c:',
        '    auth: {auth_url: "http://new/v3"}',
        '',
      ].join('\n'),
    );
    assert.equal(cloudFromFiles('c', [dir]).auth.auth_url, 'http://new/v3');
  });
});
