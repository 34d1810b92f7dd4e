/**
 * Keystone tokens and Glance images for tests, straight through the real APIs.
 */
import { randomBytes } from 'node:crypto';
import { http } from './http';
import type { Testbed, TestbedUser } from './testbed';

export interface Token {
  id: string;
  projectId: string;
  userId: string;
  /** The token's service catalog, as Keystone gave it. */
  catalog: unknown[];
}

export async function issueToken(bed: Testbed, user: TestbedUser): Promise<Token> {
  const res = await http('POST', `${bed.auth_url.replace(/\/+$/, '')}/auth/tokens`, {
    json: {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: user.username, password: user.password, domain: { name: user.user_domain_name } },
          },
        },
        scope: { project: { name: user.project_name, domain: { name: user.project_domain_name } } },
      },
    },
  });
  if (res.status !== 201) throw new Error(`token for ${user.username}: HTTP ${res.status} ${res.text}`);
  return {
    id: res.headers.get('x-subject-token') as string,
    projectId: res.body.token.project.id,
    userId: res.body.token.user.id,
    catalog: res.body.token.catalog ?? [],
  };
}

export class Glance {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async create(fields: Record<string, unknown>): Promise<any> {
    const res = await http('POST', `${this.url}/v2/images`, {
      token: this.token,
      json: { disk_format: 'raw', container_format: 'bare', ...fields },
    });
    if (res.status !== 201) throw new Error(`create image: HTTP ${res.status} ${res.text}`);
    return res.body;
  }

  async upload(id: string, data: Buffer): Promise<void> {
    const res = await http('PUT', `${this.url}/v2/images/${id}/file`, {
      token: this.token,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    if (res.status !== 204) throw new Error(`upload: HTTP ${res.status} ${res.text}`);
  }

  /** An active image holding `size` random bytes. */
  async createWithData(
    size: number,
    fields: Record<string, unknown> = {},
  ): Promise<{ image: any; data: Buffer }> {
    const image = await this.create({ name: `test-${randomBytes(4).toString('hex')}`, ...fields });
    const data = randomBytes(size);
    await this.upload(image.id, data);
    return { image: await this.get(image.id), data };
  }

  async get(id: string): Promise<any> {
    const res = await http('GET', `${this.url}/v2/images/${id}`, { token: this.token });
    return res.status === 200 ? res.body : undefined;
  }

  async list(filters: Record<string, string> = {}): Promise<any[]> {
    const q = new URLSearchParams({ limit: '1000', ...filters });
    const res = await http('GET', `${this.url}/v2/images?${q.toString()}`, { token: this.token });
    if (res.status !== 200) throw new Error(`list images: HTTP ${res.status} ${res.text}`);
    return res.body.images;
  }

  async delete(id: string): Promise<void> {
    await http('DELETE', `${this.url}/v2/images/${id}`, { token: this.token });
  }
}
