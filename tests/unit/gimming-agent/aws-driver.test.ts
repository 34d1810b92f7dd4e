/**
 * The EC2 driver's pure parts: how an image's properties become RegisterImage's parameters, how the
 * agent's proof is kept in a tag and read back, properties as tags within EC2's limits, SDK failures as
 * GimmingErrors that never carry a key, a project cloud's keys checked without echoing them, and the
 * [aws] options refused at start-up by name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GimmingError } from '../../../src/common/errors';
import { CredentialOpener } from '../../../src/common/cloud-credentials/seal';
import { CloudSessions } from '../../../src/gimming-agent/cloud-sessions';
import {
  DriverLoadError,
  DriverRegistry,
  discoverDrivers,
} from '../../../src/gimming-agent/drivers/registry';
import { parseAwsKeys } from '../../../src/gimming-agent/drivers/aws/credentials';
import { awsFailure, scrub, taskFailed } from '../../../src/gimming-agent/drivers/aws/errors';
import { toCloudImage } from '../../../src/gimming-agent/drivers/aws/record';
import { propertiesOf, registerPlan } from '../../../src/gimming-agent/drivers/aws/register-spec';
import {
  PROOF_TAG,
  amiName,
  decodeProof,
  encodeProof,
  propertyTags,
  tagProperties,
} from '../../../src/gimming-agent/drivers/aws/tags';
import { loadConfig } from '../../support/config';

const SHA512 = 'ab'.repeat(64);
const MD5 = 'cd'.repeat(16);
const SHA256 = 'ef'.repeat(32);

function refusedWith(code: string, pattern?: RegExp) {
  return (err: unknown) =>
    err instanceof GimmingError && err.code === code && (!pattern || pattern.test(err.message));
}

describe('aws driver: properties to RegisterImage', () => {
  it('defaults to x86_64, /dev/xvda, hvm, and leaves boot mode and ENA to EC2', () => {
    assert.deepEqual(registerPlan({}), {
      Architecture: 'x86_64',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
    });
  });

  it('maps hw_architecture, hw_firmware_type, hw_vif_model and root_device_name', () => {
    assert.deepEqual(
      registerPlan({
        hw_architecture: 'x86_64',
        hw_firmware_type: 'uefi',
        hw_vif_model: 'ena',
        root_device_name: '/dev/sda1',
        hw_tpm_version: '2.0',
      }),
      {
        Architecture: 'x86_64',
        BootMode: 'uefi',
        EnaSupport: true,
        RootDeviceName: '/dev/sda1',
        TpmSupport: 'v2.0',
        VirtualizationType: 'hvm',
      },
    );
    assert.equal(registerPlan({ hw_firmware_type: 'bios' }).BootMode, 'legacy-bios');
    assert.equal(registerPlan({ hw_vif_model: 'virtio' }).EnaSupport, false);
    assert.equal(registerPlan({ hw_vif_model: 'virtio', aws_ena_support: 'true' }).EnaSupport, true);
    assert.equal(registerPlan({ hw_architecture: 'i686' }).Architecture, 'i386');
  });

  it('gives aarch64 images UEFI and ENA, as every arm64 instance needs', () => {
    const plan = registerPlan({ hw_architecture: 'aarch64' });
    assert.equal(plan.Architecture, 'arm64');
    assert.equal(plan.BootMode, 'uefi');
    assert.equal(plan.EnaSupport, true);
  });

  it('refuses what EC2 cannot run, naming the property', () => {
    assert.throws(
      () => registerPlan({ hw_architecture: 'ppc64le' }),
      refusedWith('gimming.cloud.unsupported_property', /ppc64le.*hw_architecture/),
    );
    assert.throws(() => registerPlan({ hw_firmware_type: 'coreboot' }), /hw_firmware_type/);
    assert.throws(() => registerPlan({ hw_architecture: 'aarch64', hw_firmware_type: 'bios' }), /UEFI only/);
    assert.throws(() => registerPlan({ root_device_name: '/dev/vda' }), /root_device_name/);
    assert.throws(() => registerPlan({ hw_tpm_version: '2.0' }), /UEFI images only/);
    assert.throws(() => registerPlan({ aws_ena_support: 'maybe' }), /aws_ena_support must be true or false/);
  });

  it('reads an AMI back in the same names', () => {
    assert.deepEqual(
      propertiesOf({
        Architecture: 'arm64',
        BootMode: 'uefi',
        EnaSupport: true,
        RootDeviceName: '/dev/xvda',
      }),
      {
        hw_architecture: 'aarch64',
        hw_firmware_type: 'uefi',
        aws_ena_support: 'true',
        root_device_name: '/dev/xvda',
      },
    );
  });
});

describe('aws driver: the proof tag', () => {
  it('round-trips size, sha512 and md5 within the 256 characters of a tag', () => {
    const text = encodeProof({ size: 123456789, digests: { sha512: SHA512, md5: MD5 } });
    assert.ok(text.length <= 256, text);
    assert.deepEqual(decodeProof(text), { size: 123456789, digests: { sha512: SHA512, md5: MD5 } });
  });

  it('drops sha256 rather than overflow the tag', () => {
    const text = encodeProof({ size: 10 ** 15, digests: { sha512: SHA512, md5: MD5, sha256: SHA256 } });
    assert.ok(text.length <= 256);
    assert.deepEqual(decodeProof(text)?.digests, { sha512: SHA512, md5: MD5 });
  });

  it('trusts nothing half-read: a bad digest, version or size gives no proof', () => {
    assert.equal(decodeProof(`v1 size=5 sha512=${SHA512.slice(2)}`), undefined);
    assert.equal(decodeProof(`v2 size=5 sha512=${SHA512}`), undefined);
    assert.equal(decodeProof(`v1 size=x sha512=${SHA512}`), undefined);
    assert.equal(decodeProof(`v1 sha512=${SHA512}`), undefined);
    assert.equal(decodeProof('v1 size=5'), undefined);
    assert.equal(decodeProof(`v1 size=5 sha512=${SHA512} crc=1`), undefined);
  });

  it('is the digests and size of the AMI describe reports, and no property', () => {
    const image = toCloudImage(
      {
        ImageId: 'ami-0123456789abcdef0',
        State: 'available',
        Name: 'cirros 1234',
        Architecture: 'x86_64',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-1', VolumeSize: 1 } }],
        Tags: [
          { Key: 'Name', Value: 'cirros' },
          { Key: PROOF_TAG, Value: encodeProof({ size: 42, digests: { sha512: SHA512 } }) },
          { Key: 'gimming_image_id', Value: 'img-1' },
          { Key: 'aws:cloudformation:stack', Value: 'x' },
        ],
      },
      'raw',
    );
    assert.equal(image.name, 'cirros');
    assert.equal(image.status, 'active');
    assert.equal(image.size, 42);
    assert.deepEqual(image.digests, { sha512: SHA512 });
    assert.equal(image.disk_format, 'raw');
    assert.equal(image.min_disk, 1);
    assert.deepEqual(image.properties, { hw_architecture: 'x86_64', gimming_image_id: 'img-1' });
  });

  it('without one, an AMI is its volumes in size and has no digests', () => {
    const image = toCloudImage(
      { ImageId: 'ami-1', State: 'pending', BlockDeviceMappings: [{ Ebs: { VolumeSize: 8 } }] },
      'vmdk',
    );
    assert.equal(image.size, 8 * 1024 ** 3);
    assert.deepEqual(image.digests, {});
    assert.equal(image.status, 'saving');
  });
});

describe('aws driver: tags', () => {
  it('carries properties as tags and back, leaving GIMinG own tags out', () => {
    const tags = propertyTags({ os_distro: 'debian', gimming_image_id: 'i', [PROOF_TAG]: 'v1', Name: 'x' });
    assert.deepEqual(tags, [
      { Key: 'os_distro', Value: 'debian' },
      { Key: 'gimming_image_id', Value: 'i' },
    ]);
    assert.deepEqual(tagProperties(tags), { os_distro: 'debian', gimming_image_id: 'i' });
  });

  it('refuses before any work what EC2 cannot hold', () => {
    assert.throws(() => propertyTags({ ['k'.repeat(129)]: 'v' }), refusedWith('gimming.cloud.bad_property'));
    assert.throws(() => propertyTags({ 'aws:x': 'v' }), refusedWith('gimming.cloud.bad_property'));
    assert.throws(() => propertyTags({ k: 'v'.repeat(257) }), /256 characters/);
    const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`p${i}`, 'v']));
    assert.throws(() => propertyTags(many), /at most 48/);
  });

  it('makes AMI names of EC2 characters, unique by the GIMinG ID, at most 128', () => {
    assert.equal(amiName('Debian 12 ★ café', 'a1b2'), 'Debian 12 _ caf_ a1b2');
    assert.equal(amiName('x'.repeat(300), 'id').length, 128);
    assert.ok(amiName('', undefined).length >= 3);
  });
});

describe('aws driver: errors', () => {
  const sdk = (name: string, status: number, message = 'm') => ({
    name,
    message,
    $metadata: { httpStatusCode: status },
  });

  it('maps EC2 codes to GIMinG codes and statuses', () => {
    const cases: Array<[unknown, string, number, boolean]> = [
      [sdk('InvalidAMIID.NotFound', 400), 'gimming.remote_image.not_found', 404, false],
      [sdk('AuthFailure', 401), 'gimming.cloud.credentials_refused', 403, false],
      [sdk('UnauthorizedOperation', 403), 'gimming.cloud.forbidden', 403, false],
      [sdk('RequestLimitExceeded', 503), 'gimming.cloud.throttled', 503, true],
      [sdk('SnapshotLimitExceeded', 400), 'gimming.cloud.quota_exceeded', 413, false],
      [sdk('NoSuchBucket', 404), 'gimming.cloud.no_bucket', 409, false],
      [sdk('InvalidAMIName.Duplicate', 400), 'gimming.cloud.conflict', 409, false],
      [sdk('InternalError', 500), 'gimming.cloud.error', 502, true],
      [
        sdk('InvalidParameterValue', 400, 'Value (x) for parameter y is invalid'),
        'gimming.cloud.bad_request',
        400,
        false,
      ],
      [new Error('connect ECONNREFUSED 127.0.0.1:1'), 'gimming.cloud.unreachable', 503, true],
    ];
    for (const [err, code, status, retryable] of cases) {
      const mapped = awsFailure(err, 'Doing it', 'ec2-west', 'ami-1');
      assert.deepEqual(
        [mapped.code, mapped.status, mapped.retryable],
        [code, status, retryable],
        JSON.stringify(err),
      );
    }
    assert.match(
      awsFailure(sdk('InvalidParameterValue', 400, 'Value (x) for parameter y is invalid'), 'Doing it', 'c')
        .message,
      /Doing it in cloud c was refused \(InvalidParameterValue\): Value \(x\) for parameter y is invalid/,
    );
  });

  it('never carries a key, a secret or a token', () => {
    const message = awsFailure(
      sdk(
        'InvalidParameterValue',
        400,
        'Key AKIAABCDEFGHIJKLMNOP with secret_access_key=wJalrXUtnFEMI/K7MDENG token: FQoGZXIvYXdz',
      ),
      'Doing it',
      'c',
    ).message;
    assert.doesNotMatch(message, /AKIAABCDEFGHIJKLMNOP|wJalrXUtnFEMI|FQoGZXIvYXdz/);
    assert.equal(scrub('ASIAABCDEFGHIJKLMNOP'), '[key]');
  });

  it('gives an import EC2 refused with its reason word for word', () => {
    const reason = 'ClientError: Disk validation failed [Unsupported VMDK File Format]';
    const err = taskFailed('import', 'ec2-west', 'import-snap-1', reason);
    assert.equal(err.code, 'gimming.cloud.import_refused');
    assert.equal(err.status, 422);
    assert.ok(err.message.includes(reason), err.message);
  });
});

describe('aws driver: a project cloud keys', () => {
  it('takes an access key, with a session token or a role', () => {
    const id = 'AKIAIOSFODNN7EXAMPLE';
    assert.deepEqual(parseAwsKeys({ access_key_id: id, secret_access_key: 's' }, 'of c'), {
      access_key_id: id,
      secret_access_key: 's',
    });
    assert.ok(
      parseAwsKeys({ aws: { access_key_id: id, secret_access_key: 's', session_token: 't' } }, 'of c'),
    );
    assert.ok(
      parseAwsKeys(
        {
          access_key_id: id,
          secret_access_key: 's',
          role_arn: 'arn:aws:iam::123456789012:role/gimming',
          external_id: 'x-1',
        },
        'of c',
      ),
    );
  });

  it('refuses anything else without quoting a value', () => {
    const secret = 'wJalrXUtnFEMIK7MDENGbPxRfiCY';
    for (const bad of [
      { access_key_id: 'a' },
      { access_key_id: 'a', secret_access_key: secret, password: secret },
      { access_key_id: 'a', secret_access_key: secret, role_arn: secret },
      { access_key_id: 'a', secret_access_key: 5 },
      'AKIA',
    ]) {
      assert.throws(
        () => parseAwsKeys(bad, 'of c'),
        (err: unknown) =>
          err instanceof GimmingError &&
          err.code === 'gimming.cloud.bad_credentials' &&
          !err.message.includes(secret),
      );
    }
  });
});

describe('aws driver: [aws] options', () => {
  const sessions = () =>
    new CloudSessions(new CredentialOpener([]), { interface: 'public', regionName: 'r' }, 1000);

  function configWith(lines: string) {
    const dir = mkdtempSync(join(tmpdir(), 'aws-conf-'));
    const path = join(dir, 'gimming.conf');
    writeFileSync(path, `[aws]\n${lines}\n`);
    return loadConfig([path], {});
  }

  it('is found as the driver of cloud type aws, with what EC2 can do', () => {
    const aws = discoverDrivers().get('aws');
    assert.ok(aws);
    assert.deepEqual(aws.capabilities.diskFormats, ['raw', 'vmdk', 'vhd']);
    assert.deepEqual(aws.capabilities.reportedHashes, []);
    assert.deepEqual(aws.capabilities.nativeCopy, ['aws']);
    assert.equal(aws.capabilities.recordsProof, true);
    assert.equal(aws.capabilities.fixedNames, true);
  });

  it('loads with endpoint overrides', () => {
    const config = configWith('ec2_endpoint = http://127.0.0.1:4566\ns3_endpoint = http://127.0.0.1:4567');
    const registry = new DriverRegistry(['aws'], { config, sessions: sessions() });
    assert.deepEqual(registry.names, ['aws']);
  });

  it('refuses an endpoint that is not an http URL, naming the driver and the option', () => {
    for (const line of [
      'ec2_endpoint = ftp://x',
      's3_endpoint = not a url',
      'sts_endpoint = http://u:p@h/',
    ]) {
      const config = configWith(line);
      assert.throws(
        () => new DriverRegistry(['aws'], { config, sessions: sessions() }),
        (err: unknown) =>
          err instanceof DriverLoadError &&
          /driver aws is misconfigured: driver aws: \[aws\] \w+_endpoint/.test(err.message),
        line,
      );
    }
  });
});
