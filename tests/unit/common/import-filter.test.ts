import assert from 'node:assert/strict';
import { checkImportAddress, checkImportUrl, importRules } from '../../../src/common/import-filter';
import { GimmingError } from '../../../src/common/errors';

const refused = (err: unknown) => err instanceof GimmingError && err.code === 'gimming.import.url_refused';

function rules(overrides: Partial<Record<string, string[]>> = {}) {
  return importRules({
    allowed_schemes: ['http', 'https'],
    disallowed_schemes: [],
    allowed_hosts: [],
    disallowed_hosts: [],
    allowed_ports: ['80', '443'],
    disallowed_ports: [],
    allowed_private_networks: [],
    max_redirects: 5,
    cafile: null as unknown as string,
    ...overrides,
  });
}

describe('import URL filter', () => {
  it('compares host names canonically: case and a trailing dot do not make another host', () => {
    const denied = rules({ disallowed_hosts: ['Mirror.Example.', 'evil.example'] });
    for (const url of [
      'http://mirror.example/i.qcow2',
      'http://mirror.example./i.qcow2',
      'http://MIRROR.example../i.qcow2',
      'http://evil.example./i.qcow2',
    ]) {
      assert.throws(() => checkImportUrl(denied, url), refused, url);
    }
    checkImportUrl(denied, 'http://other.example./i.qcow2');
    const only = rules({ allowed_hosts: ['mirror.example'] });
    checkImportUrl(only, 'http://mirror.example./i.qcow2');
    assert.throws(() => checkImportUrl(only, 'http://mirror.example.evil./i.qcow2'), refused);
  });

  it('refuses IPv4-compatible and IPv4-mapped IPv6 forms of internal addresses', () => {
    for (const url of [
      'http://[::127.0.0.1]/',
      'http://[::7f00:1]/',
      'http://[::169.254.169.254]/latest',
      'http://[::10.0.0.1]/',
      'http://[::8.8.8.8]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:0:7f00:1]/',
    ]) {
      assert.throws(() => checkImportUrl(rules(), url), refused, url);
    }
    // As a resolver writes them, too (ipaddr.js alone would read these as IPv4-mapped).
    for (const address of ['::127.0.0.1', '::8.8.8.8', '::7f00:1']) {
      assert.throws(() => checkImportAddress(rules(), address), refused, address);
    }
    checkImportAddress(rules(), '8.8.8.8');
    checkImportAddress(rules(), '2001:4860:4860::8888');
  });

  it('still takes an address in a network the operator allows', () => {
    checkImportUrl(rules({ allowed_private_networks: ['::/96'] }), 'http://[::10.0.0.1]/');
  });
});
