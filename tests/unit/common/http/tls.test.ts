import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { parseConnection } from '../../../../src/gimming-conductor/db/data-source';
import { ClientTls, TlsVerificationError, tlsDetail } from '../../../../src/common/http/tls';
import { brokerTls, parseTransportUrl } from '../../../../src/common/rpc/transport';
import { cloudFromEnv, cloudFromFiles, tlsFromEnv } from '../../../../src/gimmingclient/cloud-config';

describe('outbound TLS settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gimming-tls-unit-'));
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, 'not really a PEM, never parsed here');
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('ClientTls', () => {
    it('verifies with the system CAs by default, with cafile instead when given', () => {
      assert.deepEqual(new ClientTls('glance').connectOptions, { rejectUnauthorized: true });
      const own = new ClientTls('glance', { cafile: ca });
      assert.equal(String(own.connectOptions.ca), 'not really a PEM, never parsed here');
      assert.equal(new ClientTls('glance', { insecure: true }).connectOptions.rejectUnauthorized, false);
    });

    it('adds cafile to the system CAs where asked (import sources, project clouds)', () => {
      const added = new ClientTls('import_filtering', { cafile: ca }, { addToSystemStore: true });
      const list = added.connectOptions.ca as Array<string | Buffer>;
      assert.ok(list.length > rootCertificates.length);
      assert.equal(String(list[list.length - 1]), 'not really a PEM, never parsed here');
    });

    it('stops on a file it cannot read, or a certificate without its key, naming the option', () => {
      assert.throws(() => new ClientTls('key_manager', { cafile: join(dir, 'missing.pem') }), {
        message: /^\[key_manager\] cafile: cannot read .*missing\.pem/,
      });
      assert.throws(() => new ClientTls('glance', { certfile: ca }), {
        message: '[glance] certfile and [glance] keyfile must be set together',
      });
    });

    it('explains a certificate that does not verify, and only that', () => {
      const tls = new ClientTls('keystone_authtoken');
      const err = Object.assign(new Error('self-signed certificate in certificate chain'), {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      });
      const explained = tls.explain(err, 'keystone.example:5000');
      assert.ok(explained instanceof TlsVerificationError);
      assert.equal(
        tlsDetail(explained),
        ': the TLS certificate of keystone.example:5000 could not be verified (self-signed certificate in ' +
          'certificate chain): [keystone_authtoken] cafile names the CA bundle to trust',
      );
      assert.equal(
        tls.explain(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'h'),
        undefined,
      );
      assert.equal(tlsDetail(new Error('refused')), '');
    });
  });

  describe('RabbitMQ', () => {
    it('uses TLS for amqps://, for ?ssl=1 and with [oslo_messaging_rabbit] ssl', () => {
      assert.deepEqual(
        parseTransportUrl('amqps://u:p@h1,u:p@h2:5673/vh').map((b) => b.url),
        ['amqps://u:p@h1:5671/vh?heartbeat=30', 'amqps://u:p@h2:5673/vh?heartbeat=30'],
      );
      assert.deepEqual(
        parseTransportUrl('rabbit://u:p@h:5672/?ssl=1').map((b) => b.url),
        ['amqps://u:p@h:5672/%2F?heartbeat=30'],
      );
      assert.deepEqual(
        parseTransportUrl('rabbit://u:p@h/', true).map((b) => b.display),
        ['amqps://u:***@h:5672/%2F'],
      );
      assert.deepEqual(
        parseTransportUrl('rabbit://u:p@h/?ssl=0').map((b) => b.url),
        ['amqp://u:p@h:5672/%2F?heartbeat=30'],
      );
    });

    it('reads ssl_ca_file, ssl_cert_file and ssl_key_file', () => {
      const tls = brokerTls({ ssl: true, ssl_ca_file: ca, ssl_cert_file: ca, ssl_key_file: ca });
      assert.equal(tls.ssl, true);
      assert.deepEqual(Object.keys(tls.socketOptions).sort(), ['ca', 'cert', 'key']);
      assert.throws(
        () => brokerTls({ ssl: false, ssl_ca_file: null, ssl_cert_file: ca, ssl_key_file: null }),
        /ssl_cert_file and ssl_key_file must be set together/,
      );
      assert.throws(
        () =>
          brokerTls({ ssl: false, ssl_ca_file: join(dir, 'nope'), ssl_cert_file: null, ssl_key_file: null }),
        /^Error: \[oslo_messaging_rabbit\] ssl_ca_file: cannot read/,
      );
    });
  });

  describe('the database', () => {
    const base = 'mysql+pymysql://u:p@db.example/gimming?charset=utf8';

    it("reads PyMySQL's ssl_* keys of the connection query", () => {
      assert.equal(parseConnection(base).ssl, undefined);
      assert.deepEqual(parseConnection(`${base}&ssl_ca=/ca.pem&ssl_cert=/c.pem&ssl_key=/k.pem`).ssl, {
        caFile: '/ca.pem',
        certFile: '/c.pem',
        keyFile: '/k.pem',
        checkHostname: true,
      });
      assert.deepEqual(parseConnection(`${base}&ssl=true&ssl_check_hostname=false`).ssl, {
        checkHostname: false,
      });
      assert.equal(parseConnection(`${base}&ssl=false`).ssl, undefined);
    });

    it("reads PyMySQL's unix_socket: the server's socket instead of TCP", () => {
      assert.equal(parseConnection(base).socketPath, undefined);
      assert.equal(
        parseConnection('mysql+pymysql://u:p@localhost/gimming?unix_socket=/run/mysqld/mysqld.sock')
          .socketPath,
        '/run/mysqld/mysqld.sock',
      );
      assert.throws(() => parseConnection(`${base}&unix_socket=mysqld.sock`), /not an absolute path/);
    });

    it('refuses a key it does not know, a certificate without its key and a bad boolean', () => {
      assert.throws(
        () => parseConnection(`${base}&ssl_verify_cert=true`),
        /ssl_verify_cert is not supported/,
      );
      assert.throws(() => parseConnection(`${base}&ssl_cert=/c.pem`), /ssl_cert and ssl_key/);
      assert.throws(() => parseConnection(`${base}&ssl=maybe`), /ssl=maybe is not a boolean/);
    });
  });

  describe('the CLI and SDK', () => {
    it('read OS_CACERT, OS_CERT, OS_KEY and OS_INSECURE', () => {
      assert.deepEqual(tlsFromEnv({ OS_CACERT: '/ca', OS_CERT: '/c', OS_KEY: '/k', OS_INSECURE: 'True' }), {
        cacert: '/ca',
        cert: '/c',
        key: '/k',
        verify: false,
      });
      assert.deepEqual(tlsFromEnv({ OS_INSECURE: 'false' }), {});
      assert.equal(cloudFromEnv({ OS_AUTH_URL: 'https://k', OS_CACERT: '/ca' }).cacert, '/ca');
    });

    it('read cacert, verify, cert and key of clouds.yaml (and the older insecure)', () => {
      writeFileSync(
        join(dir, 'clouds.yaml'),
        'clouds:\n  a:\n    auth: {auth_url: "https://k"}\n    cacert: /ca\n    cert: /c\n    key: /k\n' +
          '    verify: false\n  b:\n    auth: {auth_url: "https://k"}\n    insecure: true\n' +
          '  c:\n    auth: {auth_url: "https://k"}\n',
      );
      const a = cloudFromFiles('a', [dir]);
      assert.deepEqual([a.cacert, a.cert, a.key, a.verify], ['/ca', '/c', '/k', false]);
      assert.equal(cloudFromFiles('b', [dir]).verify, false);
      assert.equal(cloudFromFiles('c', [dir]).verify, undefined);
    });
  });
});
