/**
 * A hostile OpenStack cloud on loopback, for the tests of what an agent follows: a Keystone that issues a
 * token with whatever catalog the test writes, and a Glance whose answers the test writes. It plays the
 * cloud of a project (which the project controls), and records every request it is sent.
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  at: number;
  host: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export class FakeCloud {
  readonly seen: Seen[] = [];
  /** The catalog of the next token; `base` is this server's URL. */
  catalog: (base: string) => unknown = (base) => imageCatalog(base);
  /** A raw token answer instead of the catalog (e.g. 16 MiB of it). */
  tokenBody: ((base: string) => string) | undefined;
  /** Glance's answer to anything but a token request. */
  glance: Handler = (_req, res) => json(res, 200, { images: [] });
  private server: Server | undefined;

  constructor(private readonly host = '127.0.0.1') {}

  async start(): Promise<this> {
    this.server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
      this.seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        at: Date.now(),
        host: req.headers.host ?? '',
      });
      if (req.method === 'POST' && req.url === '/v3/auth/tokens') {
        req.resume();
        req.once('end', () => {
          const body = this.tokenBody?.(this.url) ?? JSON.stringify(tokenAnswer(this.catalog(this.url)));
          res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': 'fake-token' });
          res.end(body);
        });
        return;
      }
      this.glance(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, this.host, resolve));
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A catalog with one public image endpoint in region `region`. */
export function imageCatalog(url: string, region = 'RegionTwo'): unknown[] {
  return [{ type: 'image', endpoints: [{ interface: 'public', region, region_id: region, url }] }];
}

export function tokenAnswer(catalog: unknown): unknown {
  return {
    token: {
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      user: { id: 'fake-user' },
      project: { id: 'fake-project' },
      roles: [{ name: 'member' }],
      catalog,
    },
  };
}

/** A Glance image record, as a listing shows it. */
export function fakeImage(id: string): Record<string, unknown> {
  return {
    id,
    name: id,
    status: 'active',
    visibility: 'private',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  };
}
