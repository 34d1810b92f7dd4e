/**
 * Mutual TLS between GIMinG's daemons on the agents' gRPC port. Every daemon that serves or calls agents
 * holds a certificate signed by the deployment's CA (`[agent] ssl_cert_file`, `ssl_key_file`,
 * `ssl_ca_file`): an agent accepts only clients whose certificate that CA signed, and every caller checks
 * the agent's certificate (and its name or address) against the same CA.
 *
 * The files are re-read on SIGHUP and whenever they change (checked every `ssl_reload_interval` seconds),
 * so certificates are rotated without a restart. A new set is taken only when it is whole: the key matches
 * the certificate, the certificate and the CA parse, and a TLS context can be made of them; otherwise the
 * set in use stays and the failure is logged. Connections already open keep the certificates they were
 * opened with; new connections get the new ones.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../config/load';
import type { GimmingConfig } from '../config/schema';
import { describeError } from '../errors';
import { getLogger } from '../log';

type Provider = grpc.experimental.CertificateProvider;
type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

export interface CertificateFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** One whole, checked set of certificates. */
export interface CertificateSet {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** SHA-256 of the certificate's DER, and when it expires: for log lines, never the key. */
  fingerprint: string;
  notAfter: string;
}

/** Reads and checks the three files; throws an Error naming the file that is wrong. */
export function readCertificateSet(files: CertificateFiles): CertificateSet {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new Error(`cannot read the ${what} file ${path}: ${code}`, { cause: err });
    }
  };
  const ca = read('CA certificate', files.caFile);
  const cert = read('certificate', files.certFile);
  const key = read('private key', files.keyFile);
  let x509: X509Certificate;
  try {
    new X509Certificate(ca);
  } catch {
    throw new Error(`the CA certificate file ${files.caFile} holds no PEM certificate`);
  }
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new Error(`the certificate file ${files.certFile} holds no PEM certificate`);
  }
  try {
    createSecureContext({ ca, cert, key });
  } catch (err) {
    throw new Error(
      `the private key ${files.keyFile} does not fit the certificate ${files.certFile} ` +
        `(${(err as Error).message})`,
      { cause: err },
    );
  }
  return {
    ca,
    cert,
    key,
    fingerprint: createHash('sha256').update(x509.raw).digest('hex'),
    notAfter: new Date(x509.validTo).toISOString(),
  };
}

/**
 * A grpc-js certificate provider over files that re-reads them on `reload()` and when they change; the same
 * provider gives the CA and this daemon's identity, to the server and to every client of the process.
 */
export class ReloadingCertificates implements Provider {
  private current: CertificateSet;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private stamp: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly log = getLogger('agent.tls');

  /** Throws when the files are not a whole set, so that a daemon does not start without TLS. */
  constructor(private readonly files: CertificateFiles) {
    this.current = readCertificateSet(files);
    this.stamp = this.fileStamp();
  }

  get certificates(): CertificateSet {
    return this.current;
  }

  /** Checks the files every `intervalMs` and takes them when they changed. */
  watch(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.fileStamp() !== this.stamp) this.reload('changed');
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the files again; true when a new set was taken. */
  reload(why: 'changed' | 'SIGHUP'): boolean {
    const stamp = this.fileStamp();
    let next: CertificateSet;
    try {
      next = readCertificateSet(this.files);
    } catch (err) {
      this.log.error({ why, err: describeError(err) }, 'certificates not reloaded: keeping the ones in use');
      // A half-written rotation is seen again at the next check, once the files differ once more.
      this.stamp = stamp;
      return false;
    }
    this.stamp = stamp;
    const changed = !next.ca.equals(this.current.ca) || next.fingerprint !== this.current.fingerprint;
    this.current = next;
    if (changed) {
      this.log.info(
        { why, fingerprint: next.fingerprint, not_after: next.notAfter },
        'certificates reloaded',
      );
      for (const listener of this.caListeners) listener({ caCertificate: next.ca });
      for (const listener of this.identityListeners)
        listener({ certificate: next.cert, privateKey: next.key });
    }
    return changed;
  }

  // The first value is given a moment later, as grpc-js expects: it listens before it watches.
  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    queueMicrotask(() => {
      if (this.caListeners.has(listener)) listener({ caCertificate: this.current.ca });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    queueMicrotask(() => {
      if (this.identityListeners.has(listener)) {
        listener({ certificate: this.current.cert, privateKey: this.current.key });
      }
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private fileStamp(): string {
    return [this.files.caFile, this.files.certFile, this.files.keyFile]
      .map((path) => {
        try {
          const s = statSync(path);
          return `${s.ino}:${s.size}:${s.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }
}

/** How this daemon secures the agents' gRPC port. */
export interface AgentTransport {
  /** null: plaintext, asked for with `[agent] rpc_plaintext`. */
  certificates: ReloadingCertificates | null;
  serverCredentials(): grpc.ServerCredentials;
  channelCredentials(): grpc.ChannelCredentials;
}

/**
 * Reads `[agent] ssl_ca_file`, `ssl_cert_file`, `ssl_key_file` and `rpc_plaintext`: without the three files
 * a daemon refuses to start, unless plaintext was asked for in so many words.
 */
export function agentTransport(config: GimmingConfig): AgentTransport {
  const { ssl_ca_file: caFile, ssl_cert_file: certFile, ssl_key_file: keyFile } = config.agent;
  if (config.agent.rpc_plaintext) {
    return {
      certificates: null,
      serverCredentials: () => grpc.ServerCredentials.createInsecure(),
      channelCredentials: () => grpc.credentials.createInsecure(),
    };
  }
  const missing = (
    [
      ['ssl_ca_file', caFile],
      ['ssl_cert_file', certFile],
      ['ssl_key_file', keyFile],
    ] as const
  )
    .filter(([, value]) => !value)
    .map(([name]) => `[agent] ${name}`);
  if (missing.length > 0) {
    throw new ConfigError(
      `missing required option ${missing.join(', ')}: the calls to agents are made over mutual TLS with ` +
        'certificates signed by the deployment CA; set [agent] rpc_plaintext = true only on a closed ' +
        'development machine',
    );
  }
  let certificates: ReloadingCertificates;
  try {
    certificates = new ReloadingCertificates({
      caFile: caFile,
      certFile: certFile,
      keyFile: keyFile,
    });
  } catch (err) {
    throw new ConfigError(`invalid configuration: [agent] TLS: ${(err as Error).message}`);
  }
  certificates.watch(config.agent.ssl_reload_interval * 1000);
  return {
    certificates,
    serverCredentials: () =>
      grpc.experimental.createCertificateProviderServerCredentials(certificates, certificates, true),
    channelCredentials: () =>
      grpc.experimental.createCertificateProviderChannelCredentials(certificates, certificates),
  };
}
