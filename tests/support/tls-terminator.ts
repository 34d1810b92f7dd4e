/**
 * A TLS terminator for tests, as an operator puts one (HAProxy, stunnel, Apache) in front of a service:
 * it accepts TLS on its own loopback port, with a certificate of a test CA, and passes the bytes in clear
 * to the real service. The shared services stay as they are; what the daemons reach through it is TLS.
 * It counts the TLS sessions it carried, so a test can tell traffic went through it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { REPO_ROOT } from './testbed';

/** A CA of tools/testbed/pki.sh in `dir`, and a server certificate for 127.0.0.1 and localhost. */
export function testPki(dir: string, name = 'server'): { ca: string; cert: string; key: string } {
  execFileSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'pki.sh'), dir, 'issue', name], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { ca: join(dir, 'ca.pem'), cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
}

export class TlsTerminator {
  private server: tls.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** TLS sessions established (handshake done) since start. */
  sessions = 0;
  /** Handshakes that failed: the client did not trust the certificate, or spoke no TLS. */
  failedHandshakes = 0;

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    private readonly pki: { cert: string; key: string },
    /** When set, a client must present a certificate signed by this CA (mutual TLS). */
    private readonly clientCa?: string,
  ) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = tls.createServer(
      {
        cert: readFileSync(this.pki.cert),
        key: readFileSync(this.pki.key),
        ...(this.clientCa
          ? { requestCert: true, rejectUnauthorized: true, ca: readFileSync(this.clientCa) }
          : {}),
      },
      (client) => {
        this.sessions += 1;
        const upstream = net.connect(this.target.port, this.target.host);
        for (const s of [client, upstream]) {
          this.sockets.add(s);
          s.once('close', () => this.sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      },
    );
    server.on('tlsClientError', (_err, socket) => {
      this.failedHandshakes += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
