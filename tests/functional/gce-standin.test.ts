/**
 * The GCE stand-in (tools/gce-standin) through the real Google SDKs (@google-cloud/compute's REST
 * clients, @google-cloud/storage): the token endpoint takes a service account's signed JWT and refuses
 * a forged one; a tar.gz made by streaming goes up in resumable chunks; images.insert reads it, runs as
 * an asynchronous global operation and makes a READY image of the right size, or ends in error for an
 * archive GCE would refuse; unknown fields and bad names are refused, injected faults answered, IAM
 * policies kept. Starts its own stand-in process; no shared test bed service is used.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { CLOUD_PLATFORM, fetchToken, GceStandin } from '../support/gce-standin';
import { type Member, sha512Of, tarGzStream, tarStream } from '../support/tar-gz';

const MIB = 1024 * 1024;
const CHUNK = 256 * 1024;

interface HttpError {
  code?: number;
  message?: string;
}

async function rejects(p: Promise<unknown>, status: number, text?: RegExp): Promise<HttpError> {
  try {
    await p;
  } catch (e) {
    const err = e as HttpError;
    assert.equal(err.code, status, `status ${String(err.code)}: ${String(err.message)}`);
    if (text) assert.match(String(err.message), text);
    return err;
  }
  assert.fail(`expected a ${status}`);
}

describe('GCE stand-in', function () {
  this.timeout(120000);
  let st: GceStandin;
  let project: string;
  let bucket: string;

  before(async function () {
    this.timeout(60000);
    st = new GceStandin({ insertMs: 1500, otherMs: 300 });
    await st.start();
    project = st.projects.operator.id;
    bucket = st.bucket('operator');
  });

  after(async () => {
    await st?.stop();
  });

  afterEach(() => st.control('DELETE', 'faults'));

  /** Uploads a tar.gz of the members in resumable chunks through the Storage SDK; answers the object's size. */
  async function upload(name: string, members: Member[] | 'not-gzip'): Promise<number> {
    const file = st.storage('operator').bucket(bucket).file(name);
    const [uri] = await file.createResumableUpload({ metadata: { contentType: 'application/gzip' } });
    const src =
      members === 'not-gzip' ? tarStream([{ name: 'disk.raw', size: MIB, seed: 7 }]) : tarGzStream(members);
    await pipeline(
      src,
      file.createWriteStream({ uri, resumable: true, chunkSize: CHUNK, validation: false }),
    );
    const [meta] = await file.getMetadata();
    return Number(meta.size);
  }

  async function insert(name: string, object: string, extra: Record<string, unknown> = {}) {
    const { images } = st.compute('operator');
    const [op] = await images.insert({
      project,
      imageResource: {
        name,
        rawDisk: { source: `https://storage.googleapis.com/${bucket}/${object}` },
        labels: { gimming: 'yes' },
        ...extra,
      },
    });
    return op.latestResponse.name;
  }

  describe('tokens', () => {
    it('hands out a token for a JWT signed by a known key, which opens Compute', async () => {
      const tok = await fetchToken(st.key('operator'));
      assert.match(tok.access_token, /^ya29\./);
      const res = await fetch(`${st.computeUrl}/compute/v1/projects/${project}/global/images`, {
        headers: { authorization: `Bearer ${tok.access_token}` },
      });
      assert.equal(res.status, 200);
    });

    it('refuses a JWT signed by another key for the same account, and calls without a token', async () => {
      const forged = {
        ...st.key('operator'),
        private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      };
      await assert.rejects(fetchToken(forged), /400 invalid_grant: Invalid JWT Signature/);
      await assert.rejects(st.compute(forged).images.list({ project }), /invalid_grant/);
      const res = await fetch(`${st.computeUrl}/compute/v1/projects/${project}/global/images`);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: { code: number; errors: { reason: string }[] } };
      assert.equal(body.error.code, 401);
      assert.equal(body.error.errors[0]?.reason, 'required');
    });

    it('refuses a JWT for another audience, and a token without a Compute scope', async () => {
      await assert.rejects(
        fetchToken(st.key('operator'), [CLOUD_PLATFORM], 'https://example.com/token'),
        /audience/,
      );
      const tok = await fetchToken(st.key('operator'), [
        'https://www.googleapis.com/auth/devstorage.read_only',
      ]);
      const res = await fetch(`${st.computeUrl}/compute/v1/projects/${project}/global/images`, {
        headers: { authorization: `Bearer ${tok.access_token}` },
      });
      assert.equal(res.status, 403);
    });

    it("refuses another project's images to an account that may not use it", async () => {
      await rejects(st.compute('project').images.list({ project }), 403, /compute.images.list/);
    });
  });

  describe('images from a raw disk', () => {
    const disk: Member = { name: 'disk.raw', size: 3 * MIB + 512 * 3, seed: 42 };
    let archiveSize = 0;

    before(async () => {
      archiveSize = await upload('good.tar.gz', [disk]);
    });

    it('keeps the uploaded object whole, in chunks', async () => {
      const s = await st.state(project);
      const o = s.objects.find((x) => x.name === 'good.tar.gz');
      assert.equal(o?.size, archiveSize);
      assert.ok(archiveSize > 3 * MIB, 'the chunked upload holds every byte');
      assert.equal(s.uploads.length, 0);
    });

    it('inserts: the operation runs with progress, ends DONE, and the image is READY with the disk size', async () => {
      const { images, operations } = st.compute('operator');
      const opName = await insert('good-image', 'good.tar.gz', {
        description: 'from the stand-in test',
        family: 'gimming-test',
      });
      const [running] = await operations.get({ project, operation: opName });
      assert.ok(['PENDING', 'RUNNING'].includes(String(running.status)), String(running.status));
      assert.ok((running.progress ?? 0) < 100);
      const [pending] = await images.get({ project, image: 'good-image' });
      assert.equal(pending.status, 'PENDING');
      let done = running;
      while (done.status !== 'DONE') [done] = await operations.wait({ project, operation: opName });
      assert.equal(done.progress, 100);
      assert.equal(done.error, undefined);
      const [img] = await images.get({ project, image: 'good-image' });
      assert.equal(img.status, 'READY');
      assert.equal(String(img.diskSizeGb), '1');
      assert.equal(String(img.archiveSizeBytes), String(archiveSize));
      assert.equal(img.family, 'gimming-test');
      const rec = (await st.state(project)).images.find((i) => i.image.name === 'good-image');
      assert.equal(rec?.rawDisk?.rawSizeBytes, disk.size);
      assert.equal(rec?.rawDisk?.sha512, sha512Of(disk));
    });

    it('ends the operation in error for an archive of two members, and one not gzipped', async () => {
      await upload('two.tar.gz', [disk, { name: 'extra.txt', size: 10, seed: 1 }]);
      await upload('plain.tar', 'not-gzip');
      const { images, operations } = st.compute('operator');
      for (const [name, object, why] of [
        ['two-members', 'two.tar.gz', /exactly one file, disk.raw/],
        ['not-gzip', 'plain.tar', /not a gzip-compressed tar/],
      ] as const) {
        const opName = await insert(name, object);
        const [op] = await operations.wait({ project, operation: opName });
        assert.equal(op.status, 'DONE');
        assert.match(String(op.error?.errors?.[0]?.message), why);
        const [img] = await images.get({ project, image: name });
        assert.equal(img.status, 'FAILED');
      }
    });

    it('ends an operation in error when a fault says so', async () => {
      await st.failOperation('compute.images.insert', 'Injected: quota exceeded', 'QUOTA_EXCEEDED');
      const opName = await insert('faulted', 'good.tar.gz');
      const [op] = await st.compute('operator').operations.wait({ project, operation: opName });
      assert.equal(op.error?.errors?.[0]?.code, 'QUOTA_EXCEEDED');
    });

    it('refuses a bad name, a bad label, a name in use and a source that is not there', async () => {
      await rejects(insert('Bad_Name', 'good.tar.gz'), 400, /resource.name/);
      await rejects(insert('x'.repeat(64), 'good.tar.gz'), 400, /resource.name/);
      await rejects(insert('ok-name', 'good.tar.gz', { labels: { Upper: 'x' } }), 400, /resource.labels/);
      await rejects(insert('good-image', 'good.tar.gz'), 409, /already exists/);
      await rejects(insert('missing', 'nothing.tar.gz'), 400, /rawDisk.source/);
      await rejects(
        insert('bad-location', 'good.tar.gz', { storageLocations: ['Europe West'] }),
        400,
        /resource.storageLocations\[0\]/,
      );
      await rejects(
        insert('two-locations', 'good.tar.gz', { storageLocations: ['eu', 'us'] }),
        400,
        /resource.storageLocations/,
      );
    });

    it('makes an image in the storage location asked for, and slows its inserts when told', async () => {
      const { images, operations } = st.compute('operator');
      assert.deepEqual(await st.setOperationTimes({ insertMs: 3000 }), { insertMs: 3000, otherMs: 300 });
      try {
        const started = Date.now();
        const opName = await insert('in-europe', 'good.tar.gz', { storageLocations: ['europe-west1'] });
        let done = (await operations.get({ project, operation: opName }))[0];
        while (done.status !== 'DONE') [done] = await operations.wait({ project, operation: opName });
        assert.ok(Date.now() - started >= 2900, 'the insert took the time it was told');
        const [img] = await images.get({ project, image: 'in-europe' });
        assert.deepEqual(img.storageLocations, ['europe-west1']);
      } finally {
        await st.setOperationTimes({ insertMs: 1500 });
      }
    });

    it('refuses an unknown field in the body and an unknown query parameter, in GCE error JSON', async () => {
      const { access_token } = await fetchToken(st.key('operator'));
      const url = `${st.computeUrl}/compute/v1/projects/${project}/global/images`;
      const headers = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
      const source = `https://storage.googleapis.com/${bucket}/good.tar.gz`;
      for (const body of [
        { name: 'unknown-field', rawDisk: { source }, bootable: true },
        { name: 'unknown-field', rawDisk: { source, format: 'raw' } },
        { name: 'unknown-field', rawDisk: { source }, diskSizeGb: 'ten' },
      ]) {
        const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
        assert.equal(res.status, 400);
        const e = (await res.json()) as {
          error: {
            code: number;
            message: string;
            errors: { domain: string; reason: string; message: string }[];
          };
        };
        assert.equal(e.error.code, 400);
        assert.equal(e.error.errors[0]?.domain, 'global');
        assert.match(e.error.message, /Invalid JSON payload/);
      }
      const res = await fetch(`${url}?colour=blue`, { headers });
      assert.equal(res.status, 400);
      assert.equal(
        (await st.state(project)).images.some((i) => i.image.name === 'unknown-field'),
        false,
      );
    });

    it('fails a call when a fault says so, then answers again', async () => {
      await st.failCall('compute.images.get', 503, 'Injected: backend unavailable');
      const { images } = st.compute('operator');
      await rejects(images.get({ project, image: 'good-image' }), 503, /Injected/);
      const [img] = await images.get({ project, image: 'good-image' });
      assert.equal(img.status, 'READY');
    });

    it('lists by label and by name, and sets labels with the fingerprint', async () => {
      const { images, operations } = st.compute('operator');
      const [byLabel] = await images.list({ project, filter: 'labels.gimming=yes' });
      assert.ok(byLabel.some((i) => i.name === 'good-image'));
      const [byName] = await images.list({ project, filter: 'name = "good-image"' });
      assert.deepEqual(
        byName.map((i) => i.name),
        ['good-image'],
      );
      const [img] = await images.get({ project, image: 'good-image' });
      await rejects(
        images.setLabels({
          project,
          resource: 'good-image',
          globalSetLabelsRequestResource: { labels: { a: 'b' }, labelFingerprint: 'AAAAAAAAAAA=' },
        }),
        412,
      );
      const [op] = await images.setLabels({
        project,
        resource: 'good-image',
        globalSetLabelsRequestResource: {
          labels: { gimming: 'no', owner: 'ops' },
          labelFingerprint: img.labelFingerprint,
        },
      });
      await operations.wait({ project, operation: op.latestResponse.name });
      const [none] = await images.list({ project, filter: 'labels.gimming=yes AND name=good-image' });
      assert.equal(none.length, 0);
      const [after] = await images.get({ project, image: 'good-image' });
      assert.deepEqual(after.labels, { gimming: 'no', owner: 'ops' });
    });

    it('sets and gets the IAM policy; an image user of another project may then read the image', async () => {
      const { images } = st.compute('operator');
      const other = st.compute('project').images;
      await rejects(other.get({ project, image: 'good-image' }), 403);
      const [before] = await images.getIamPolicy({ project, resource: 'good-image' });
      const member = `serviceAccount:${st.email('project')}`;
      const [set] = await images.setIamPolicy({
        project,
        resource: 'good-image',
        globalSetPolicyRequestResource: {
          policy: { etag: before.etag, bindings: [{ role: 'roles/compute.imageUser', members: [member] }] },
        },
      });
      assert.deepEqual(
        set.bindings?.map((b) => [b.role, b.members]),
        [['roles/compute.imageUser', [member]]],
      );
      const [got] = await images.getIamPolicy({ project, resource: 'good-image' });
      assert.equal(got.etag, set.etag);
      const [seen] = await other.get({ project, image: 'good-image' });
      assert.equal(seen.name, 'good-image');
      await rejects(
        images.setIamPolicy({
          project,
          resource: 'good-image',
          globalSetPolicyRequestResource: { policy: { etag: before.etag, bindings: [] } },
        }),
        412,
      );
      await rejects(
        images.setIamPolicy({
          project,
          resource: 'good-image',
          globalSetPolicyRequestResource: {
            policy: { bindings: [{ role: 'roles/compute.imageUser', members: ['bob'] }] },
          },
        }),
        400,
      );
    });

    it('keeps images, objects and a running insert across a restart, with the same keys', async () => {
      const opName = await insert('across-restart', 'good.tar.gz');
      await st.restart();
      const { images, operations } = st.compute('operator');
      let [op] = await operations.get({ project, operation: opName });
      while (op.status !== 'DONE') [op] = await operations.wait({ project, operation: opName });
      assert.equal(op.error, undefined);
      const [img] = await images.get({ project, image: 'across-restart' });
      assert.equal(img.status, 'READY');
      const [good] = await images.get({ project, image: 'good-image' });
      assert.equal(good.status, 'READY');
      const [meta] = await st.storage('operator').bucket(bucket).file('good.tar.gz').getMetadata();
      assert.equal(Number(meta.size), archiveSize);
    });

    it('deprecates as a global operation: the deprecated field shown once DONE, a new use of an OBSOLETE or DELETED image refused, ACTIVE undoing it', async () => {
      const { images, operations } = st.compute('operator');
      const link = (name: string) =>
        `https://www.googleapis.com/compute/v1/projects/${project}/global/images/${name}`;
      const deprecate = async (deprecationStatusResource: Record<string, string>) => {
        const [op] = await images.deprecate({ project, image: 'good-image', deprecationStatusResource });
        const opName = String(op.latestResponse.name);
        const [started] = await operations.get({ project, operation: opName });
        assert.equal(started.operationType, 'deprecate');
        let done = started;
        while (done.status !== 'DONE') [done] = await operations.wait({ project, operation: opName });
        assert.equal(done.error, undefined);
        return started;
      };
      const started = await deprecate({
        state: 'DEPRECATED',
        deprecated: '2026-12-03T16:00:00.000Z',
        replacement: link('newer-image'),
      });
      assert.ok(['PENDING', 'RUNNING'].includes(String(started.status)), String(started.status));
      const [deprecated] = await images.get({ project, image: 'good-image' });
      assert.equal(deprecated.deprecated?.state, 'DEPRECATED');
      assert.equal(deprecated.deprecated?.replacement, link('newer-image'));
      assert.equal(deprecated.status, 'READY');
      const [listed] = await images.list({ project, filter: 'name = "good-image"' });
      assert.equal(listed[0]?.deprecated?.state, 'DEPRECATED', 'images.list shows it too');
      // A DEPRECATED image is still usable: the refusal below is the stand-in's (rawDisk only).
      const asSource = (name: string) =>
        images.insert({ project, imageResource: { name, sourceImage: link('good-image') } });
      await rejects(asSource('from-deprecated'), 400, /rawDisk only/);
      for (const state of ['OBSOLETE', 'DELETED']) {
        await deprecate({ state });
        const [img] = await images.get({ project, image: 'good-image' });
        assert.equal(img.deprecated?.state, state);
        assert.equal(img.status, 'READY', 'DELETED is a state: the image is still there');
        await rejects(asSource('from-obsolete'), 400, new RegExp(`is ${state.toLowerCase()}`));
      }
      await rejects(
        images.deprecate({ project, image: 'good-image', deprecationStatusResource: { state: 'RETIRED' } }),
        400,
        /Must be one of ACTIVE/,
      );
      await rejects(
        images.deprecate({
          project,
          image: 'good-image',
          deprecationStatusResource: { state: 'OBSOLETE', replacement: 'newer-image' },
        }),
        400,
        /URL of an image/,
      );
      await deprecate({ state: 'ACTIVE' });
      const [active] = await images.get({ project, image: 'good-image' });
      assert.equal(active.deprecated, undefined, 'ACTIVE with no time clears the status');
    });

    it('deletes: the image goes when its operation is DONE', async () => {
      const { images, operations } = st.compute('operator');
      const [op] = await images.delete({ project, image: 'good-image' });
      const [done] = await operations.wait({ project, operation: op.latestResponse.name });
      assert.equal(done.status, 'DONE');
      await rejects(images.get({ project, image: 'good-image' }), 404, /was not found/);
    });
  });

  describe('storage', () => {
    it('uploads with uploadType=media, downloads the bytes, lists, refuses another project, deletes', async () => {
      const b = st.storage('operator').bucket(bucket);
      const [meta] = await b.getMetadata();
      assert.equal(meta.name, bucket);
      const data = Buffer.alloc(300000, 7);
      await b.file('dir/plain.bin').save(data, { resumable: false, validation: false });
      const [down] = await b.file('dir/plain.bin').download();
      assert.ok(down.equals(data));
      const [files] = await b.getFiles({ prefix: 'dir/' });
      assert.deepEqual(
        files.map((f) => f.name),
        ['dir/plain.bin'],
      );
      await rejects(st.storage('project').bucket(bucket).file('dir/plain.bin').download(), 403);
      await b.file('dir/plain.bin').delete();
      await rejects(b.file('dir/plain.bin').getMetadata(), 404);
    });

    it("takes a one-request resumable upload with the SDK's hashes, and serves it to the SDK's validation", async () => {
      const file = st.storage('operator').bucket(bucket).file('single.tar.gz');
      const [uri] = await file.createResumableUpload();
      const disk: Member = { name: 'disk.raw', size: MIB + 100, seed: 5 };
      await pipeline(tarGzStream([disk]), file.createWriteStream({ uri, resumable: true }));
      const [meta] = await file.getMetadata();
      const [bytes] = await file.download();
      assert.equal(bytes.length, Number(meta.size));
      assert.equal(createHash('md5').update(bytes).digest('base64'), meta.md5Hash);
    });

    it('refuses a last chunk whose X-Goog-Hash does not match, and leaves no object', async () => {
      const [uri] = await st.storage('operator').bucket(bucket).file('bad-hash.bin').createResumableUpload();
      const res = await fetch(uri, {
        method: 'PUT',
        headers: {
          'content-range': 'bytes 0-9/10',
          'x-goog-hash': `md5=${createHash('md5').update('other').digest('base64')}`,
        },
        body: Buffer.alloc(10, 3),
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /doesn't match/);
      assert.equal(
        (await st.state(project)).objects.some((o) => o.name === 'bad-hash.bin'),
        false,
      );
    });

    it('refuses a non-final chunk that is not a multiple of 256 KiB, and answers 308 with the range', async () => {
      const [uri] = await st.storage('operator').bucket(bucket).file('chunks.bin').createResumableUpload();
      let res = await fetch(uri, {
        method: 'PUT',
        headers: { 'content-range': `bytes 0-${CHUNK - 1}/*` },
        body: Buffer.alloc(CHUNK, 1),
      });
      assert.equal(res.status, 308);
      assert.equal(res.headers.get('range'), `bytes=0-${CHUNK - 1}`);
      res = await fetch(uri, {
        method: 'PUT',
        headers: { 'content-range': `bytes ${CHUNK}-${CHUNK + 99}/*` },
        body: Buffer.alloc(100, 2),
      });
      assert.equal(res.status, 400);
      res = await fetch(uri, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
      assert.equal(res.status, 308);
      assert.equal(res.headers.get('range'), `bytes=0-${CHUNK - 1}`);
      res = await fetch(uri, {
        method: 'PUT',
        headers: { 'content-range': `bytes ${CHUNK}-${CHUNK + 99}/${CHUNK + 100}` },
        body: Buffer.alloc(100, 2),
      });
      assert.equal(res.status, 200);
      const obj = (await res.json()) as { size: string; name: string };
      assert.equal(obj.size, String(CHUNK + 100));
    });
  });
});
