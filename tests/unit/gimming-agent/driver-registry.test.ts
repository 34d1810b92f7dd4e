/**
 * The driver registry: drivers found as folders at run time, loaded by name, an unknown or misconfigured
 * one refused by name, and a cloud of a type no enabled driver serves refused with 400.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialOpener } from '../../../src/common/cloud-credentials/seal';
import { Metadata } from '@grpc/grpc-js';
import { contextFromMetadata } from '../../../src/common/grpc/context-metadata';
import { GimmingError } from '../../../src/common/errors';
import { CloudSessions } from '../../../src/gimming-agent/cloud-sessions';
import {
  DriverLoadError,
  DriverRegistry,
  discoverDrivers,
  driverConfigFragments,
} from '../../../src/gimming-agent/drivers/registry';
import { driverInfo } from '../../../src/gimming-agent/remote-image';
import { dirDriver } from '../../support/dir-driver';
import { loadConfig } from '../../support/config';

const DRIVER_JS = (name: string) => `exports.driver = {
  name: '${name}',
  capabilities: { canExport: false, canImport: true, diskFormats: [], containerFormats: [], reportedHashes: [],
    nativeCopy: [], sharing: 'none', visibilities: ['private'], reservedPropertyPrefixes: [] },
  validateConfig() {},
  start() { return { idleTimeoutMs: 1000, async open() { throw new Error('no'); } }; },
};\n`;

describe('the cloud driver registry', () => {
  let tmp: string;
  const conf = () => {
    const file = join(tmp, 'gimming.conf');
    writeFileSync(file, '');
    return loadConfig([file], {});
  };
  const sessions = () =>
    new CloudSessions(CredentialOpener.fromFiles([]), { interface: 'public', regionName: '' }, 1000);

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'gimming-drivers-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds the OpenStack driver in its folder, with its options', () => {
    const found = discoverDrivers();
    assert.ok(found.has('openstack'));
    assert.deepEqual(found.get('openstack')?.capabilities.reportedHashes, ['md5', 'sha512']);
    // What the conductor refuses for an OpenStack target, as GetInfo and the heartbeats tell it.
    const openstack = found.get('openstack');
    assert.ok(openstack);
    assert.deepEqual(driverInfo(openstack).capabilities.reserved_property_prefixes, ['os_glance_']);
    const fragment = driverConfigFragments()[0];
    assert.ok(fragment?.groups && Object.keys(fragment.groups).length === 1);
  });

  it('finds every folder whose index exports a driver, and refuses one that exports none', () => {
    mkdirSync(join(tmp, 'alpha'));
    writeFileSync(join(tmp, 'alpha', 'index.js'), DRIVER_JS('alpha'));
    mkdirSync(join(tmp, 'notes')); // no index: not a driver
    assert.deepEqual([...discoverDrivers(tmp).keys()], ['alpha']);
    mkdirSync(join(tmp, 'broken'));
    writeFileSync(join(tmp, 'broken', 'index.js'), 'exports.something = 1;\n');
    assert.throws(() => discoverDrivers(tmp), /the driver folder broken does not export a driver/);
  });

  it('loads [agent] enabled_drivers by default: openstack', () => {
    const config = conf();
    assert.deepEqual(config.agent.enabled_drivers, ['openstack']);
    const registry = new DriverRegistry(config.agent.enabled_drivers, { config, sessions: sessions() });
    assert.deepEqual(registry.names, ['openstack']);
    assert.equal(registry.idleTimeoutMs, 300_000);
  });

  it('refuses an unknown driver, naming it', () => {
    const config = conf();
    assert.throws(
      () => new DriverRegistry(['openstack', 'nosuch'], { config, sessions: sessions() }),
      (err: Error) =>
        err instanceof DriverLoadError && /unknown driver nosuch \(available: .*openstack/.test(err.message),
    );
  });

  it('refuses a driver whose configuration is wrong, naming it', () => {
    const config = conf();
    const picky = {
      ...dirDriver(tmp, 'picky'),
      validateConfig: () => {
        throw new Error('needs a bucket');
      },
    };
    assert.throws(
      () => new DriverRegistry(['picky'], { config, sessions: sessions() }, new Map([['picky', picky]])),
      /driver picky is misconfigured: needs a bucket/,
    );
    // The OpenStack driver's own check: a certfile without its keyfile.
    (config as unknown as Record<string, Record<string, unknown>>).glance!.certfile = '/nonexistent.pem';
    assert.throws(
      () => new DriverRegistry(['openstack'], { config, sessions: sessions() }),
      /driver openstack is misconfigured: driver openstack: .*certfile/,
    );
  });

  it('answers a cloud of a type no enabled driver serves with 400 gimming.cloud.unsupported', async () => {
    const config = conf();
    const registry = new DriverRegistry(
      ['dir'],
      { config, sessions: sessions() },
      new Map([['dir', dirDriver(tmp)]]),
    );
    const ctx = contextFromMetadata(new Metadata());
    await assert.rejects(
      registry.open(ctx, { id: 'c', name: 'c', type: 'openstack' } as never),
      (err: unknown) =>
        err instanceof GimmingError && err.status === 400 && err.code === 'gimming.cloud.unsupported',
    );
    const opened = await registry.open(ctx, { id: 'c', name: 'c', type: 'dir' } as never);
    assert.equal(opened.driver.name, 'dir');
    assert.deepEqual(await opened.session.list({}, 10, Infinity), []);
  });
});
