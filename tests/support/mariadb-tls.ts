/**
 * A MariaDB server of a test's own that takes only TLS connections (require_secure_transport), on a new
 * loopback port, from the test bed's Debian packages: TLS to the database is negotiated inside the MySQL
 * protocol, so a plain TLS terminator cannot stand in front of the shared server. Its data lives in a
 * temporary directory removed by stop().
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { waitFor } from './http';

export class TlsMariaDb {
  private child: ChildProcess | undefined;
  private readonly socket: string;

  constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly pki: { ca: string; cert: string; key: string },
  ) {
    this.socket = join(dir, 'mysqld.sock');
  }

  async start(): Promise<void> {
    const data = join(this.dir, 'data');
    mkdirSync(data, { recursive: true });
    execFileSync(
      'mariadb-install-db',
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--user=root',
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { stdio: 'ignore' },
    );
    this.child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--user=root',
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${this.socket}`,
        `--pid-file=${join(this.dir, 'mysqld.pid')}`,
        `--log-error=${join(this.dir, 'error.log')}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=16M',
        '--performance-schema=OFF',
        `--ssl-ca=${this.pki.ca}`,
        `--ssl-cert=${this.pki.cert}`,
        `--ssl-key=${this.pki.key}`,
        '--require-secure-transport=ON',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      'the TLS MariaDB',
      () =>
        new Promise<true | undefined>((resolve) => {
          const s = net.connect(this.port, '127.0.0.1');
          s.once('connect', () => {
            s.destroy();
            resolve(true);
          });
          s.once('error', () => resolve(undefined));
        }),
      60000,
    );
  }

  /** Runs SQL as root over the server's Unix socket. */
  sql(statement: string): void {
    execFileSync('mariadb', ['--no-defaults', `--socket=${this.socket}`, '-uroot', '-e', statement], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const kill = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(kill);
  }
}
