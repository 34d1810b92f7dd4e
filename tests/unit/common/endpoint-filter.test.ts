import assert from 'node:assert/strict';
import { checkProjectCloudUrl, parseNetworks } from '../../../src/common/endpoint-filter';
import { GimmingError } from '../../../src/common/errors';

const refused = (err: unknown) =>
  err instanceof GimmingError && err.code === 'gimming.cloud.endpoint_refused';

describe('project cloud endpoints', () => {
  it('takes public unicast addresses', async () => {
    await checkProjectCloudUrl('https://8.8.8.8:5000/v3', [], 'identity service');
    await checkProjectCloudUrl('http://[2001:db8::1]/v3', parseNetworks(['2001:db8::/32'], 'x'), 'x');
  });

  it('refuses loopback, private, link-local and mapped addresses, and names that resolve to them', async () => {
    for (const url of [
      'http://127.0.0.1:5000/v3',
      'http://10.0.0.1/',
      'http://169.254.169.254/latest',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::127.0.0.1]/',
      'http://[::169.254.169.254]/',
      'http://localhost:5000/',
    ]) {
      await assert.rejects(checkProjectCloudUrl(url, [], 'identity service'), refused, url);
    }
  });

  it('takes an address in a network the operator allows', async () => {
    const networks = parseNetworks(['127.0.0.0/8', '10.0.0.0/8'], 'x');
    await checkProjectCloudUrl('http://127.0.0.1:5000/v3', networks, 'identity service');
    await checkProjectCloudUrl('http://10.9.8.7/', networks, 'image endpoint');
    await assert.rejects(checkProjectCloudUrl('http://192.168.1.1/', networks, 'x'), refused);
  });

  it('stops at start-up on a network that is not one', () => {
    assert.throws(
      () => parseNetworks(['10.0.0.0/99'], '[project_clouds] allowed_private_networks'),
      /not a network/,
    );
  });
});
