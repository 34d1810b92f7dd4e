/**
 * How the Glance driver talks HTTP to one image endpoint: the headers every request carries, the TLS and
 * address pinning it is made with, and JSON requests whose error answers become GimmingErrors.
 */
import type { LookupFunction } from 'node:net';
import { type JsonResponse, type RequestOptions, requestJson } from '../../../common/http/request';
import type { ClientTls } from '../../../common/http/tls';
import { glanceFailure, unreachable } from './errors';

export interface GlanceClientOptions {
  endpoint: string;
  token: string;
  requestId: string;
  timeoutMs: number;
  /** The cloud's name, for messages. */
  cloudName: string;
  /** How the endpoint's certificate is verified ([glance], or [project_clouds] for a project cloud). */
  tls?: ClientTls;
  /** The addresses the endpoint was checked at (a project cloud's), the only ones connected to. */
  lookup?: LookupFunction;
}

export class GlanceHttp {
  constructor(readonly opts: GlanceClientOptions) {}

  get cloudName(): string {
    return this.opts.cloudName;
  }

  headers(extra: Record<string, string | number> = {}): Record<string, string | number> {
    return {
      'X-Auth-Token': this.opts.token,
      'X-OpenStack-Request-ID': this.opts.requestId,
      'User-Agent': 'gimming-agent',
      ...extra,
    };
  }

  url(path: string): string {
    return `${this.opts.endpoint}${path}`;
  }

  /** The TLS and pinned-address options of every request to the endpoint. */
  connection(): Pick<RequestOptions, 'tls' | 'lookup'> {
    return {
      ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      ...(this.opts.lookup ? { lookup: this.opts.lookup } : {}),
    };
  }

  async json(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    contentType?: string,
    imageId?: string,
    timeoutMs = this.opts.timeoutMs,
  ): Promise<JsonResponse> {
    const res = await this.answer(method, path, body, contentType, timeoutMs);
    if (res.status >= 300) throw glanceFailure(this.opts.cloudName, res, what, imageId);
    return res;
  }

  /** Glance's answer whatever its status, for a caller that reads some error answers itself. */
  async answer(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    timeoutMs = this.opts.timeoutMs,
  ): Promise<JsonResponse> {
    try {
      return await requestJson({
        method,
        url: this.url(path),
        headers: this.headers(contentType ? { 'Content-Type': contentType } : {}),
        ...(body !== undefined ? { json: body } : {}),
        timeoutMs,
        ...this.connection(),
      });
    } catch (err) {
      throw unreachable(this.opts.cloudName, err);
    }
  }
}
