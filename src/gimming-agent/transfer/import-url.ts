/**
 * Importing image data from a URL into this agent's staging area (ImportToStaging): what Glance's
 * web-download does, with its protections. The URL and every redirect are checked against
 * [import_filtering]; the addresses a host name resolves to are checked when the connection is made (the
 * address connected to is the address checked, so a second DNS answer cannot slip in). The data streams
 * to disk while md5 and sha512 are computed; a failure or a cancel leaves nothing staged.
 */
import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import { GimmingError, asGimmingError } from '../../common/errors';
import { type ClientTls, TlsVerificationError } from '../../common/http/tls';
import type { ImportEvent } from '../../common/grpc/generated/gimming/agent/v2/ImportEvent';
import type { ImportRequest__Output } from '../../common/grpc/generated/gimming/agent/v2/ImportRequest';
import {
  type ImportRules,
  checkImportAddress,
  checkImportUrl,
  redactedUrl,
} from '../../common/import-filter';
import { getLogger } from '../../common/log';
import { VERSION } from '../../common/version';
import type { StagingStore } from '../staging/store';
import { writeWithBackpressure } from './stream-writes';

const log = getLogger('agent.import');

export interface ImportOptions {
  rules: ImportRules;
  /** Seconds without any data after which the source is given up. */
  idleTimeoutMs: number;
  progressIntervalMs: number;
  /** How an https source is verified: the CAs of the system plus [import_filtering] cafile. */
  tls?: ClientTls;
}

/** md5 of what passes, and how much. */
class Md5Meter extends Transform {
  readonly md5 = createHash('md5');
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.md5.update(chunk);
    done(null, chunk);
  }
}

/** A DNS lookup that refuses to hand over an address the rules do not allow. */
function checkedLookup(rules: ImportRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      try {
        for (const a of addresses) checkImportAddress(rules, a.address);
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, '', 0);
        return;
      }
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else {
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

function get(url: URL, opts: ImportOptions): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, {
      agent: false,
      ...(url.protocol === 'https:' ? opts.tls?.connectOptions : {}),
      lookup: checkedLookup(opts.rules),
      headers: { 'User-Agent': `gimming-agent/${VERSION}`, Accept: '*/*' },
    });
    req.setTimeout(opts.idleTimeoutMs, () =>
      req.destroy(new GimmingError('gimming.import.timeout', 504, 'The import source stopped answering.')),
    );
    req.once('response', resolve);
    req.once('error', (err) =>
      reject((url.protocol === 'https:' && opts.tls?.explain(err, url.host)) || err),
    );
  });
}

/** Follows redirects (each one checked) to the response that carries the data. */
async function openSource(start: URL, opts: ImportOptions): Promise<IncomingMessage> {
  let url = start;
  for (let hop = 0; ; hop += 1) {
    let res: IncomingMessage;
    try {
      res = await get(url, opts);
    } catch (err) {
      const gerr = asGimmingError(err);
      if (gerr.code === 'gimming.import.url_refused' || gerr.code === 'gimming.import.timeout') throw gerr;
      if (err instanceof TlsVerificationError) {
        throw new GimmingError(
          'gimming.import.untrusted',
          502,
          `The import source ${url.host} is not trusted: ${err.message}.`,
          {
            cause: err,
          },
        );
      }
      throw new GimmingError(
        'gimming.import.unreachable',
        502,
        `The import source ${url.host} could not be reached.`,
        { cause: err },
      );
    }
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      if (hop >= opts.rules.maxRedirects) {
        throw new GimmingError(
          'gimming.import.too_many_redirects',
          400,
          `The import URL redirected more than ${opts.rules.maxRedirects} times.`,
        );
      }
      url = checkImportUrl(opts.rules, new URL(res.headers.location, url).toString());
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new GimmingError(
        'gimming.import.source_error',
        400,
        `The import source answered HTTP ${status} for ${redactedUrl(url)}.`,
      );
    }
    return res;
  }
}

export async function runImport(
  call: grpc.ServerWritableStream<ImportRequest__Output, ImportEvent>,
  staging: StagingStore,
  opts: ImportOptions,
): Promise<void> {
  const req = call.request;
  const url = checkImportUrl(opts.rules, req.url);
  const source = await openSource(url, opts);
  const length = source.headers['content-length'];
  const declared = length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : undefined;
  const meter = new Md5Meter();
  const onCancel = () => source.destroy(new Error('the import was cancelled'));
  call.once('cancelled', onCancel);
  source.once('error', (err) => meter.destroy(err));
  source.pipe(meter);
  const ticker = setInterval(() => {
    if (!call.cancelled) call.write({ progress: { bytes_done: meter.bytes, bytes_total: declared ?? 0 } });
  }, opts.progressIntervalMs);
  const started = Date.now();
  let staged: { size: number; sha512: string };
  try {
    staged = await staging.write(req.image_id, meter, {
      declaredSize: declared,
      limitBytes: req.limit_bytes > 0 ? req.limit_bytes : undefined,
      cancelled: () => call.cancelled,
    });
  } catch (err) {
    source.destroy();
    if (call.cancelled) throw new GimmingError('gimming.task.cancelled', 409, 'The import was cancelled.');
    throw err;
  } finally {
    clearInterval(ticker);
    call.off('cancelled', onCancel);
  }
  log.info(
    {
      image_id: req.image_id,
      url: redactedUrl(url),
      bytes: staged.size,
      seconds: (Date.now() - started) / 1000,
    },
    'image data imported',
  );
  await writeWithBackpressure(call, {
    staged: {
      size: staged.size,
      digests: [
        { algo: 'md5', value: meter.md5.digest('hex') },
        { algo: 'sha512', value: staged.sha512 },
      ],
    },
  });
}
