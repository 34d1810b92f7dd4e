/**
 * The GCE driver's pure parts: the tar of disk.raw as GNU tar itself reads it (base-256 sizes too), GCE
 * image names, properties to images.insert fields and back, the proof and properties kept in the image
 * description, SDK failures with GCE's words and never a key, a service-account key checked without
 * echoing it and exchanged at the configured token endpoint (a project key's own token_uri held to
 * [project_clouds], connected to only at the address checked), and the [gcp] options refused by name.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createVerify, randomBytes, generateKeyPairSync } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { LookupAddress } from 'node:dns';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { GimmingError } from '../../../src/common/errors';
import { parseGcpKey } from '../../../src/common/cloud-credentials/gcp-key';
import { parseCloudAuthMap } from '../../../src/common/cloud-credentials/auth';
import {
  CredentialOpener,
  CredentialSealer,
  SealedCredentials,
} from '../../../src/common/cloud-credentials/seal';
import { RequestContext } from '../../../src/common/context';
import { parseNetworks } from '../../../src/common/endpoint-filter';
import { CloudSessions } from '../../../src/gimming-agent/cloud-sessions';
import {
  DriverLoadError,
  DriverRegistry,
  discoverDrivers,
} from '../../../src/gimming-agent/drivers/registry';
import type { GcpClients } from '../../../src/gimming-agent/drivers/gcp/clients';
import { ServiceAccountTokens } from '../../../src/gimming-agent/drivers/gcp/credentials';
import { openGcp } from '../../../src/gimming-agent/drivers/gcp/opener';
import { TransferBucket } from '../../../src/gimming-agent/drivers/gcp/gcs-objects';
import {
  DiskRawTar,
  GIB,
  ZLIB_OPTIONS,
  diskRawTarGz,
  headerSize,
  paddedDiskSize,
  tarHeader,
} from '../../../src/gimming-agent/drivers/gcp/disk-tar';
import {
  MAX_DESCRIPTION,
  decodeDescription,
  decodeProof,
  encodeDescription,
  encodeProof,
} from '../../../src/gimming-agent/drivers/gcp/description';
import { gcpFailure, operationFailed, scrub } from '../../../src/gimming-agent/drivers/gcp/errors';
import { insertPlan, propertiesOf } from '../../../src/gimming-agent/drivers/gcp/image-spec';
import { IMAGE_NAME, gceImageName } from '../../../src/gimming-agent/drivers/gcp/names';
import { toCloudImage } from '../../../src/gimming-agent/drivers/gcp/record';
import { sameProof } from '../../../src/gimming-agent/drivers/gcp/session';
import { loadConfig } from '../../support/config';

const SHA512 = 'ab'.repeat(64);
const MD5 = 'cd'.repeat(16);
const ID = '0f8e2c4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b';

function refusedWith(code: string, pattern?: RegExp) {
  return (err: unknown) =>
    err instanceof GimmingError && err.code === code && (!pattern || pattern.test(err.message));
}

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

describe('gcp driver: disk.raw in a tar.gz', () => {
  it('is an archive GNU tar lists and extracts to the same bytes, padded with zeros', async () => {
    const dir = tmp('gcp-tar-');
    const data = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < data.length; i += 1) data[i] = (i * 7) % 251;
    const entry = 4 * 1024 * 1024;
    const file = join(dir, 'disk.tar.gz');
    const tar = new DiskRawTar(data.length, entry);
    assert.equal(tar.proof(), undefined);
    await pipeline(
      Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
      tar,
      createGzip(),
      createWriteStream(file),
    );
    assert.deepEqual(tar.proof(), {
      size: data.length,
      digests: {
        md5: createHash('md5').update(data).digest('hex'),
        sha512: createHash('sha512').update(data).digest('hex'),
      },
    });
    const listing = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' });
    assert.match(listing, new RegExp(`\\s${entry}\\s.*disk\\.raw\\n$`));
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    const out = readFileSync(join(dir, 'disk.raw'));
    assert.equal(out.length, entry);
    assert.ok(out.subarray(0, data.length).equals(data));
    assert.ok(out.subarray(data.length).every((b) => b === 0));
  });

  it('streams disk.raw padded to a GiB, compressed fast by default (the zeros of the padding nearly vanish)', async () => {
    const data = randomBytes(256 * 1024 + 3);
    const { input, output } = diskRawTarGz(data.length);
    let archive = 0;
    let seen = 0;
    let header: Buffer | undefined;
    let prefix = Buffer.alloc(0);
    let nonZero = 0;
    const zeros = Buffer.alloc(1024 * 1024);
    output.on('data', (c: Buffer) => (archive += c.length));
    const check = new Writable({
      write(chunk: Buffer, _enc, done) {
        let c = chunk;
        if (!header) {
          header = c.subarray(0, 512);
          c = c.subarray(512);
        }
        const want = data.length - prefix.length;
        if (want > 0) {
          prefix = Buffer.concat([prefix, c.subarray(0, want)]);
          c = c.subarray(want);
        }
        for (let at = 0; at < c.length; at += zeros.length) {
          const piece = c.subarray(at, at + zeros.length);
          if (!piece.equals(zeros.subarray(0, piece.length))) nonZero += 1;
        }
        seen += chunk.length;
        done();
      },
    });
    await Promise.all([pipeline(Readable.from([data]), input), pipeline(output, createGunzip(), check)]);
    assert.equal(headerSize(header as Buffer), GIB);
    assert.ok(prefix.equals(data));
    assert.equal(nonZero, 0, 'only zeros after the data');
    assert.equal(seen, 512 + GIB + 1024);
    assert.ok(archive < data.length + 2 * 1024 * 1024, `archive of ${archive} bytes`);
  });

  it('has three compressions, each a gzip stream of the same bytes; none stores, fast shrinks runs', () => {
    const disk = Buffer.concat([randomBytes(64 * 1024), Buffer.alloc(4 * 1024 * 1024)]);
    const sizes: Record<string, number> = {};
    for (const [name, opts] of Object.entries(ZLIB_OPTIONS)) {
      const gz = gzipSync(disk, opts);
      assert.ok(gunzipSync(gz).equals(disk), name);
      sizes[name] = gz.length;
    }
    assert.ok((sizes.none ?? 0) > disk.length, JSON.stringify(sizes));
    assert.ok((sizes.fast ?? Infinity) < 128 * 1024, JSON.stringify(sizes));
    assert.ok((sizes.small ?? Infinity) < 128 * 1024, JSON.stringify(sizes));
  });

  it('fails when the data is shorter or longer than announced', async () => {
    for (const [announced, given] of [
      [10, 5],
      [10, 11],
    ] as const) {
      await assert.rejects(
        pipeline(
          Readable.from([Buffer.alloc(given)]),
          new DiskRawTar(announced, 512),
          createGzip(),
          createWriteStream(join(tmp('gcp-tar-'), 'x')),
        ),
        refusedWith('gimming.copy.size_mismatch'),
      );
    }
  });

  it('pads to whole GiB, as GCE takes a raw disk', () => {
    assert.equal(paddedDiskSize(1), GIB);
    assert.equal(paddedDiskSize(GIB), GIB);
    assert.equal(paddedDiskSize(GIB + 1), 2 * GIB);
    assert.equal(paddedDiskSize(0), GIB);
  });

  it('writes sizes past 8 GiB in GNU base-256, which GNU tar reads', () => {
    const size = 10 * GIB + 512;
    const h = tarHeader('disk.raw', size);
    assert.equal(h.length, 512);
    assert.equal(h[124], 0x80);
    assert.equal(headerSize(h), size);
    assert.equal(headerSize(tarHeader('disk.raw', 8 * GIB - 1)), 8 * GIB - 1);
    // The header alone: tar lists the entry (then finds the archive cut short).
    const file = join(tmp('gcp-tar-'), 'h.tar');
    writeFileSync(file, Buffer.concat([h, Buffer.alloc(1024)]));
    const listed = spawnSync('tar', ['-tvf', file], { encoding: 'utf8' });
    assert.match(listed.stdout, new RegExp(`\\s${size}\\s.*disk\\.raw`));
    assert.doesNotMatch(listed.stderr, /checksum|Skipping/i);
  });
});

describe('gcp driver: resumable upload chunks', () => {
  it('sends 256 KiB multiples, the total last, and resends from where a 308 says the session stands', async () => {
    const got: string[] = [];
    let stored = Buffer.alloc(0);
    let shortOnce = true;
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const body = Buffer.concat(parts);
        const range = req.headers['content-range'] ?? '';
        got.push(`${range} ${body.length}`);
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
        assert.ok(m, range);
        assert.equal(Number(m[1]), stored.length, 'a chunk starts where the session stands');
        // The first chunk: only half of it is kept, as a server may do.
        const keep = shortOnce ? body.subarray(0, body.length / 2) : body;
        shortOnce = false;
        stored = Buffer.concat([stored, keep]);
        if (m[3] !== '*' && stored.length === Number(m[3])) {
          res.writeHead(200).end('{}');
          return;
        }
        res.writeHead(308, { range: `bytes=0-${stored.length - 1}` }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload?upload_id=x`;
      const bucket = new TransferBucket(undefined as never, 'b', 'c1', 5000);
      const data = randomBytes(3 * 256 * 1024 + 100);
      const pieces = Array.from({ length: Math.ceil(data.length / 10000) }, (_, i) =>
        data.subarray(i * 10000, (i + 1) * 10000),
      );
      const sent = await bucket.put(uri, Readable.from(pieces), 256 * 1024 + 5);
      assert.equal(sent, data.length);
      assert.ok(stored.equals(data), 'the session holds the bytes in order');
      assert.deepEqual(got, [
        `bytes 0-262143/* 262144`,
        `bytes 131072-393215/* 262144`,
        `bytes 393216-655359/* 262144`,
        `bytes 655360-786531/${data.length} 131172`,
      ]);
    } finally {
      server.close();
    }
  });
});

describe('gcp driver: resumable upload, pipelined', () => {
  it('reads the next chunk while one is on its way, holding at most two', async () => {
    const CHUNK = 256 * 1024;
    const events: string[] = [];
    let stored = 0;
    const server = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        const range = req.headers['content-range'] ?? '';
        events.push(`put ${range}`);
        // The session takes its time to answer: the agent reads on meanwhile.
        setTimeout(() => {
          stored += n;
          events.push(`acked ${stored}`);
          const total = /\/(\d+)$/.exec(range);
          if (total && Number(total[1]) === stored) res.writeHead(200).end('{}');
          else res.writeHead(308, { range: `bytes=0-${stored - 1}` }).end();
        }, 150);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload?upload_id=y`;
      const bucket = new TransferBucket(undefined as never, 'b', 'c1', 5000);
      const data = randomBytes(4 * CHUNK + 7);
      let read = 0;
      async function* source() {
        for (let at = 0; at < data.length; at += 64 * 1024) {
          const piece = data.subarray(at, at + 64 * 1024);
          read += piece.length;
          if (read === 3 * CHUNK) events.push('read the third chunk');
          yield piece;
        }
      }
      assert.equal(await bucket.put(uri, Readable.from(source(), { highWaterMark: 1 }), CHUNK), data.length);
      assert.equal(stored, data.length);
      const third = events.indexOf('read the third chunk');
      assert.ok(third > 0, events.join(', '));
      // The third chunk began to be read while the second was still on its way, never with two there.
      assert.ok(events.indexOf(`acked ${2 * CHUNK}`) > third, events.join(', '));
      assert.ok(events.indexOf(`acked ${CHUNK}`) < third, events.join(', '));
    } finally {
      server.close();
    }
  });
});

describe('gcp driver: image names', () => {
  it('are GCE names, unique by the GIMinG ID, at most 63 characters', () => {
    assert.equal(gceImageName('Ubuntu 22.04 LTS', ID), 'ubuntu-22-04-lts-0f8e2c4a1b3d4e5f');
    assert.equal(gceImageName('22.04', ID), 'img-22-04-0f8e2c4a1b3d4e5f');
    assert.equal(gceImageName('---', ID), 'img-0f8e2c4a1b3d4e5f');
    const long = gceImageName('A'.repeat(200), ID);
    assert.ok(long.length <= 63);
    for (const name of ['Ubuntu 22.04 LTS', '22.04', '---', 'A'.repeat(200), 'é-ü_x', '']) {
      assert.match(gceImageName(name, ID), IMAGE_NAME, name);
      assert.match(gceImageName(name, undefined), IMAGE_NAME, name);
    }
    assert.notEqual(gceImageName('x', undefined), gceImageName('x', undefined));
  });
});

describe('gcp driver: properties to images.insert', () => {
  it('defaults to X86_64 with no guest OS features', () => {
    assert.deepEqual(insertPlan({}), { architecture: 'X86_64', guestOsFeatures: [] });
  });

  it('maps firmware, NIC, SCSI, OS type, explicit features and the family', () => {
    assert.deepEqual(
      insertPlan({
        hw_firmware_type: 'uefi',
        hw_vif_model: 'gve',
        hw_scsi_model: 'virtio-scsi',
        os_type: 'windows',
        gce_guest_os_features: 'sev_capable, SECURE_BOOT',
        gce_image_family: 'debian-12',
      }),
      {
        architecture: 'X86_64',
        guestOsFeatures: [
          'GVNIC',
          'SECURE_BOOT',
          'SEV_CAPABLE',
          'UEFI_COMPATIBLE',
          'VIRTIO_SCSI_MULTIQUEUE',
          'WINDOWS',
        ],
        family: 'debian-12',
      },
    );
  });

  it("takes the cloud's family when the image names none, and its storage location", () => {
    const defaults = { family: 'gimming-default', storageLocation: 'europe-west1' };
    assert.deepEqual(insertPlan({}, defaults), {
      architecture: 'X86_64',
      guestOsFeatures: [],
      family: 'gimming-default',
      storageLocations: ['europe-west1'],
    });
    // The image's own family wins over the cloud's.
    assert.equal(insertPlan({ gce_image_family: 'debian-12' }, defaults).family, 'debian-12');
    assert.equal(insertPlan({ gce_image_family: '' }, defaults).family, 'gimming-default');
    assert.equal(insertPlan({}, { storageLocation: 'eu' }).family, undefined);
  });

  it('gives aarch64 images UEFI, as GCE arm64 machines need', () => {
    assert.deepEqual(insertPlan({ hw_architecture: 'aarch64' }), {
      architecture: 'ARM64',
      guestOsFeatures: ['UEFI_COMPATIBLE'],
    });
  });

  it('refuses what GCE cannot run, naming the property', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ hw_architecture: 'ppc64le' }, /hw_architecture/],
      [{ hw_firmware_type: 'coreboot' }, /hw_firmware_type/],
      [{ hw_architecture: 'arm64', hw_firmware_type: 'bios' }, /UEFI only/],
      [{ gce_guest_os_features: 'FLOPPY' }, /gce_guest_os_features/],
      [{ gce_image_family: 'Debian 12' }, /gce_image_family/],
    ];
    for (const [props, pattern] of cases) {
      assert.throws(() => insertPlan(props), refusedWith('gimming.cloud.unsupported_property', pattern));
    }
  });

  it('reads an image back in the same names', () => {
    assert.deepEqual(
      propertiesOf({
        architecture: 'ARM64',
        family: 'f-1',
        guestOsFeatures: [{ type: 'UEFI_COMPATIBLE' }, { type: 'GVNIC' }],
      }),
      {
        hw_architecture: 'aarch64',
        hw_firmware_type: 'uefi',
        gce_guest_os_features: 'GVNIC,UEFI_COMPATIBLE',
        gce_image_family: 'f-1',
      },
    );
  });
});

describe('gcp driver: the record in the description', () => {
  const proof = { size: 1234, digests: { sha512: SHA512, md5: MD5 } };

  it('round-trips name, properties and proof', () => {
    const text = encodeDescription({ name: 'My image', properties: { os_distro: 'Ubuntu 22.04' }, proof });
    assert.ok(text.startsWith('GIMinG v1 '));
    assert.deepEqual(decodeDescription(text), {
      name: 'My image',
      properties: { os_distro: 'Ubuntu 22.04' },
      proof,
    });
    assert.deepEqual(decodeProof(encodeProof(proof)), proof);
  });

  it('keeps a description GIMinG did not write as a property, with no proof', () => {
    assert.deepEqual(decodeDescription('made by hand'), { properties: { gce_description: 'made by hand' } });
    assert.deepEqual(decodeDescription('GIMinG v1 {not json'), {
      properties: { gce_description: 'GIMinG v1 {not json' },
    });
    assert.deepEqual(decodeDescription(undefined), {});
  });

  it('trusts nothing half-read: a bad digest, version or size gives no proof', () => {
    for (const bad of [
      'v2 size=1 md5=' + MD5,
      'v1 size=x md5=' + MD5,
      'v1 size=1 md5=zz',
      'v1 size=1',
      'v1 md5=' + MD5,
    ]) {
      assert.equal(decodeProof(bad), undefined, bad);
    }
  });

  it('is written again only when the agent proves something else', () => {
    assert.equal(sameProof(proof, { size: 1234, digests: { sha512: SHA512 } }), true);
    assert.equal(sameProof(proof, { size: 1234, digests: { sha512: SHA512, md5: MD5 } }), true);
    assert.equal(sameProof(proof, { size: 1235, digests: { sha512: SHA512 } }), false);
    assert.equal(sameProof(proof, { size: 1234, digests: { sha512: 'ef'.repeat(64) } }), false);
    assert.equal(sameProof(proof, { size: 1234, digests: { sha256: 'ef'.repeat(32) } }), false);
    assert.equal(sameProof(undefined, proof), false);
  });

  it('refuses, before anything is made, properties longer than GCE holds', () => {
    assert.throws(
      () => encodeDescription({ name: 'x', properties: { big: 'y'.repeat(MAX_DESCRIPTION) } }),
      refusedWith('gimming.cloud.bad_property', /2048/),
    );
  });

  it('is the digests and size describe reports, and the GIMinG name', () => {
    const image = toCloudImage(
      {
        name: 'my-image-0f8e2c4a1b3d4e5f',
        status: 'READY',
        diskSizeGb: '1',
        architecture: 'X86_64',
        labels: { gimming_image_id: ID, gimming_visibility: 'public' },
        description: encodeDescription({ name: 'My image', properties: { a: 'b' }, proof }),
        creationTimestamp: '2026-12-02T05:00:00.000-08:00',
      },
      'proj-1',
    );
    assert.equal(image.id, 'my-image-0f8e2c4a1b3d4e5f');
    assert.equal(image.name, 'My image');
    assert.equal(image.status, 'active');
    assert.equal(image.size, 1234);
    assert.deepEqual(image.digests, proof.digests);
    assert.equal(image.visibility, 'public');
    assert.equal(image.owner, 'proj-1');
    assert.deepEqual(image.properties, { hw_architecture: 'x86_64', gimming_image_id: ID, a: 'b' });
    const bare = toCloudImage({ name: 'adopted', status: 'PENDING', diskSizeGb: '10' }, 'proj-1');
    assert.equal(bare.size, 10 * GIB);
    assert.deepEqual(bare.digests, {});
    assert.equal(bare.status, 'saving');
    assert.equal(bare.visibility, 'private');
  });
});

describe('gcp driver: errors', () => {
  const body = (code: number, message: string, reason = 'invalid') =>
    JSON.stringify({ error: { code, message, errors: [{ message, reason }] } });

  it('maps HTTP statuses to GIMinG codes, with GCE own words', () => {
    const cases: [number, string, number][] = [
      [404, 'gimming.remote_image.not_found', 404],
      [401, 'gimming.cloud.credentials_refused', 403],
      [403, 'gimming.cloud.forbidden', 403],
      [409, 'gimming.cloud.conflict', 409],
      [429, 'gimming.cloud.throttled', 503],
      [503, 'gimming.cloud.error', 502],
      [400, 'gimming.cloud.bad_request', 400],
    ];
    for (const [status, code, http] of cases) {
      const err = gcpFailure(
        { code: status, message: body(status, "Invalid value for field 'resource.name': 'X'.") },
        'Doing',
        'c1',
      );
      assert.equal(err.code, code, String(status));
      assert.equal(err.status, http);
      if (status !== 404) assert.match(err.message, /Invalid value for field 'resource\.name': 'X'\./);
    }
    assert.equal(
      gcpFailure({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'Doing', 'c1').code,
      'gimming.cloud.unreachable',
    );
  });

  it('gives a failed operation GCE message word for word', () => {
    const err = operationFailed('c1', 'operation-1', [
      { code: 'INVALID_IMAGE_FILE', message: 'The image file is not a valid tar.gz archive.' },
    ]);
    assert.equal(err.code, 'gimming.cloud.import_refused');
    assert.equal(
      err.message,
      'Cloud c1 refused the image (operation operation-1): The image file is not a valid tar.gz archive.',
    );
  });

  it('never carries a key or a token', () => {
    const text = scrub(
      'bad -----BEGIN PRIVATE KEY-----\nMIIEabc\n-----END PRIVATE KEY----- and ya29.a0AfH6SM and eyJhbGciOi.eyJpc3Mi.sig',
    );
    assert.doesNotMatch(text, /MIIE|ya29\.a0|eyJhbGciOi/);
  });
});

describe('gcp driver: a project cloud service-account key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const file = {
    type: 'service_account',
    project_id: 'my-project-1',
    private_key_id: 'k1',
    private_key: pem,
    client_email: 'gimming@my-project-1.iam.gserviceaccount.com',
    client_id: '123',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url: 'https://www.googleapis.com/robot/v1/metadata/x509/x',
    universe_domain: 'googleapis.com',
  };

  it('takes the key file IAM hands out, also through the request credentials map', () => {
    const key = parseGcpKey(file, 'of cloud c1');
    assert.equal(key.project_id, 'my-project-1');
    assert.equal(key.private_key, pem);
    assert.deepEqual(parseCloudAuthMap({ c1: file }).c1, key);
  });

  it('refuses anything else without quoting a value', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...file, type: 'authorized_user' }, /type must be service_account/],
      [{ ...file, private_key: 'not a key MIISECRET' }, /private_key is not an RSA private key/],
      [{ ...file, project_id: 'X' }, /project_id/],
      [{ ...file, client_email: 'nobody' }, /client_email/],
      [{ ...file, extra: 'x' }, /unknown field extra/],
      [{ ...file, token_uri: 'ftp://x' }, /token_uri/],
      [{ type: 'service_account', private_key: pem }, /needs project_id, client_email and private_key/],
    ];
    for (const [value, pattern] of cases) {
      assert.throws(
        () => parseGcpKey(value, 'of cloud c1'),
        (err: unknown) =>
          refusedWith('gimming.cloud.bad_credentials', pattern)(err) &&
          !(err as Error).message.includes('MIISECRET') &&
          !(err as Error).message.includes('BEGIN'),
        pattern.source,
      );
    }
  });

  it('is exchanged at the configured token endpoint with a JWT it signed', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const params = new URLSearchParams(text);
        const jwt = params.get('assertion') ?? '';
        const [h, c, s] = jwt.split('.');
        const verify = createVerify('RSA-SHA256');
        verify.update(`${h}.${c}`);
        const ok =
          params.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
          verify.verify(publicKey, Buffer.from(s ?? '', 'base64url'));
        const claims = JSON.parse(Buffer.from(c ?? '', 'base64url').toString()) as {
          aud: string;
          iss: string;
        };
        seen.push(`${req.url} ${claims.aud} ${claims.iss}`);
        res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            ok ? { access_token: `tok-${seen.length}`, expires_in: 3600 } : { error: 'invalid_grant' },
          ),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    try {
      const tokens = new ServiceAccountTokens(parseGcpKey(file, 'of c1'), uri, 5000, 'c1');
      const [a, b] = await Promise.all([tokens.token(), tokens.token()]);
      assert.equal(a.access_token, 'tok-1');
      assert.equal(b.access_token, 'tok-1');
      assert.deepEqual(seen, [`/token ${uri} ${file.client_email}`]);
      // A key signed by another key is refused by the endpoint, and its words reach the message.
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const bad = new ServiceAccountTokens(
        parseGcpKey({ ...file, private_key: other }, 'of c1'),
        uri,
        5000,
        'c1',
      );
      await assert.rejects(
        bad.token(),
        (err: unknown) =>
          refusedWith('gimming.cloud.credentials_refused', /HTTP 400\): invalid_grant/)(err) &&
          !(err as Error).message.includes('BEGIN'),
      );
    } finally {
      server.close();
    }
  });
});

describe('gcp driver: [gcp] options and capabilities', () => {
  const sessions = () =>
    new CloudSessions(new CredentialOpener([]), { interface: 'public', regionName: 'r' }, 1000);

  function configWith(lines: string) {
    const path = join(tmp('gcp-conf-'), 'gimming.conf');
    writeFileSync(path, `[gcp]\n${lines}\n`);
    return loadConfig([path], {});
  }

  it('is found as the driver of cloud type gcp, never a copy source', () => {
    const gcp = discoverDrivers().get('gcp');
    assert.ok(gcp);
    assert.equal(gcp.capabilities.canExport, false);
    assert.equal(gcp.capabilities.canImport, true);
    assert.deepEqual(gcp.capabilities.diskFormats, ['raw']);
    assert.deepEqual(gcp.capabilities.reportedHashes, []);
    assert.deepEqual(gcp.capabilities.nativeCopy, []);
    assert.deepEqual(gcp.capabilities.reservedPropertyPrefixes, ['gcp:']);
    assert.equal(gcp.capabilities.recordsProof, true);
    assert.equal(gcp.capabilities.fixedNames, true);
    assert.equal(gcp.capabilities.ownersAreProjects, false);
  });

  it('loads the Google SDKs only in an agent that starts the driver', () => {
    // In a process of its own: the suite's other files (the stand-in's helper) load the SDKs themselves.
    const config = join(tmp('gcp-conf-'), 'gimming.conf');
    writeFileSync(
      config,
      '[gcp]\ncompute_endpoint = http://127.0.0.1:9720\nstorage_endpoint = http://127.0.0.1:9721\n',
    );
    const src = join(__dirname, '..', '..', '..', 'src');
    const script = `
      const [src, support, config] = process.argv.slice(1);
      const loaded = () => Object.keys(require.cache).some((p) => p.includes('@google-cloud/compute'));
      const { DriverRegistry, discoverDrivers } = require(src + '/gimming-agent/drivers/registry');
      const { CloudSessions } = require(src + '/gimming-agent/cloud-sessions');
      const { CredentialOpener } = require(src + '/common/cloud-credentials/seal');
      const { loadConfig } = require(support + '/config');
      discoverDrivers();
      const cfg = loadConfig([config], {});
      const before = loaded();
      const sessions = new CloudSessions(new CredentialOpener([]), { interface: 'public', regionName: 'r' }, 1000);
      const registry = new DriverRegistry(['gcp'], { config: cfg, sessions });
      process.stdout.write(JSON.stringify({ before, after: loaded(), names: registry.names }));
    `;
    const out = execFileSync(
      process.execPath,
      ['-e', script, src, join(__dirname, '..', '..', 'support'), config],
      { encoding: 'utf8' },
    );
    assert.deepEqual(JSON.parse(out), { before: false, after: true, names: ['gcp'] });
  });

  it('refuses an endpoint that is not an http URL, naming the driver and the option', () => {
    for (const line of [
      'compute_endpoint = ftp://x',
      'storage_endpoint = not a url',
      'token_uri = http://u:p@h/',
    ]) {
      const config = configWith(line);
      assert.throws(
        () => new DriverRegistry(['gcp'], { config, sessions: sessions() }),
        (err: unknown) =>
          err instanceof DriverLoadError &&
          /driver gcp is misconfigured: driver gcp: \[gcp\] \w+/.test(err.message),
        line,
      );
    }
  });
});

describe("gcp driver: a project key's token_uri, held to [project_clouds]", () => {
  // The agents' key pair: the request's key comes sealed for the cloud and the caller's project.
  const agentKeys = generateKeyPairSync('x25519');
  const sealer = new CredentialSealer(agentKeys.publicKey);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    type: 'service_account',
    project_id: 'my-project-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'gimming@my-project-1.iam.gserviceaccount.com',
  };
  const cloud = {
    id: 'c1',
    name: 'gce-project',
    type: 'gcp',
    region_name: 'global',
    auth_url: '',
    credentials_ref: '',
    options: { bucket: 'b1' },
  };
  const ctxWith = (value: unknown) =>
    new RequestContext({
      request_id: 'req-00000000-0000-4000-8000-000000000000',
      roles: [],
      auth_token: 'caller-token',
      project_id: 'p1',
      cloud_credentials: SealedCredentials.of({
        c1: sealer.seal(value, { projectId: 'p1', cloudId: 'c1' }, 600),
      }),
    });
  /** The driver at work in an agent whose [project_clouds] allows `networks`; DNS answered by `resolve`. */
  const opener = (networks: string[], resolve?: (host: string) => Promise<LookupAddress[]>) => {
    const path = join(tmp('gcp-conf-'), 'gimming.conf');
    writeFileSync(
      path,
      '[gcp]\ncompute_endpoint = http://127.0.0.1:9\nstorage_endpoint = http://127.0.0.1:9\n',
    );
    const sessions = new CloudSessions(
      new CredentialOpener([agentKeys.privateKey]),
      { interface: 'public', regionName: 'r' },
      1000,
      parseNetworks(networks, '[project_clouds] allowed_private_networks'),
      undefined,
      resolve ? { resolve } : {},
    );
    return openGcp({ config: loadConfig([path], {}), sessions });
  };

  it('refuses a key whose token_uri is on a private address, naming the option, before any request', async () => {
    let asked = 0;
    const server = createServer((_req, res) => {
      asked += 1;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const tokenUri of [
        `http://127.0.0.1:${port}/token`,
        'http://169.254.169.254/computeMetadata/v1/token',
        'https://[::1]/token',
        'http://10.0.0.1/token',
      ]) {
        await assert.rejects(
          opener([]).open(ctxWith({ ...key, token_uri: tokenUri }), cloud),
          (err: unknown) =>
            refusedWith(
              'gimming.cloud.endpoint_refused',
              /token_uri of the service-account key of cloud gce-project.*\[project_clouds\] allowed_private_networks/,
            )(err) && (err as GimmingError).status === 400,
          tokenUri,
        );
      }
      // A name is judged by what it resolves to.
      const resolve = async (): Promise<LookupAddress[]> => [{ address: '127.0.0.1', family: 4 }];
      await assert.rejects(
        opener([], resolve).open(ctxWith({ ...key, token_uri: `http://token.test:${port}/t` }), cloud),
        refusedWith('gimming.cloud.endpoint_refused', /token\.test is 127\.0\.0\.1 \(loopback address\)/),
      );
      assert.equal(asked, 0, 'no request reached the refused endpoint');
    } finally {
      server.close();
    }
  });

  it('allowed by allowed_private_networks, gets its tokens only from the address checked (no rebinding)', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.host}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'tok-1', expires_in: 3600 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    // The first answer is the checked one; any later question would send the agent elsewhere.
    let questions = 0;
    const resolve = async (): Promise<LookupAddress[]> => [
      { address: questions++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 },
    ];
    try {
      const session = await opener(['127.0.0.1/32'], resolve).open(
        ctxWith({ ...key, token_uri: `http://token.test:${port}/token` }),
        cloud,
      );
      const tokens = (session as unknown as { clients: GcpClients }).clients.tokens;
      assert.ok(tokens);
      assert.equal((await tokens.token()).access_token, 'tok-1');
      assert.deepEqual(seen, [`POST /token token.test:${port}`]);
      assert.equal(questions, 1, 'DNS asked once, at the check');
    } finally {
      server.close();
    }
  });
});
