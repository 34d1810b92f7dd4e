/**
 * TLS for the HTTPS requests GIMinG makes to the services it uses (Keystone, Glance, Barbican, import
 * sources), configured as keystoneauth sessions are: a CA bundle to verify the server with (`cafile`), a
 * client certificate and key for services that ask for one (`certfile`, `keyfile`) and `insecure` to skip
 * verification. One ClientTls per option group; the files are read once, when the daemon starts, so that
 * a missing or unreadable file stops it with a message naming the option.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

export interface TlsSettings {
  cafile?: string | null;
  certfile?: string | null;
  keyfile?: string | null;
  insecure?: boolean;
}

export class TlsConfigError extends Error {
  override name = 'TlsConfigError';
}

/** A TLS verification failure, said in a way that tells the operator which option to look at. */
export class TlsVerificationError extends Error {
  override name = 'TlsVerificationError';
}

/** How the settings are named to the user: options of a group by default, command-line flags for the CLI. */
export interface TlsSettingNames {
  cafile: string;
  certfile: string;
  keyfile: string;
}

function readOption(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsConfigError(`${name}: cannot read ${path} (${(err as Error).message})`, { cause: err });
  }
}

/** The TLS of the requests of one option group, with the connection pool that uses it. */
export class ClientTls {
  /** The pooled agent for requests made with these settings. */
  readonly agent: https.Agent;
  /** A pool of its own for connections to checked addresses (see request.ts). */
  readonly pinnedAgent: https.Agent;
  /** The same settings for a request made without the pool (`agent: false`). */
  private readonly names: TlsSettingNames;
  readonly connectOptions: Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;

  constructor(
    /** The option group these settings come from, named in error messages. */
    readonly group: string,
    settings: TlsSettings = {},
    opts: {
      /** Also trust the CAs Node trusts by default (the system store), not only `cafile`. */
      addToSystemStore?: boolean;
      names?: TlsSettingNames;
    } = {},
  ) {
    this.names = opts.names ?? {
      cafile: `[${group}] cafile`,
      certfile: `[${group}] certfile`,
      keyfile: `[${group}] keyfile`,
    };
    if (!!settings.certfile !== !!settings.keyfile) {
      throw new TlsConfigError(`${this.names.certfile} and ${this.names.keyfile} must be set together`);
    }
    const ca = settings.cafile ? readOption(this.names.cafile, settings.cafile) : undefined;
    this.connectOptions = {
      rejectUnauthorized: !settings.insecure,
      ...(ca ? { ca: opts.addToSystemStore ? [...rootCertificates, ...extraCaCerts(), ca] : ca } : {}),
      ...(settings.certfile && settings.keyfile
        ? {
            cert: readOption(this.names.certfile, settings.certfile),
            key: readOption(this.names.keyfile, settings.keyfile),
          }
        : {}),
    };
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 64, ...this.connectOptions });
    this.pinnedAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ...this.connectOptions });
  }

  /** What a failed connection means when it is TLS verification that failed, else undefined. */
  explain(err: unknown, host: string): TlsVerificationError | undefined {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !VERIFY_CODES.has(code)) return undefined;
    const why = (err as Error).message;
    return new TlsVerificationError(
      `the TLS certificate of ${host} could not be verified (${why}): ${this.names.cafile} names the CA ` +
        'bundle to trust',
      { cause: err },
    );
  }
}

/** NODE_EXTRA_CA_CERTS, which Node adds to its default store but not to an explicit `ca` list. */
function extraCaCerts(): Buffer[] {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  if (!path) return [];
  try {
    return [readFileSync(path)];
  } catch {
    return [];
  }
}

/** The error codes OpenSSL and Node give when the server's certificate is not trusted or not its own. */
const VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** ": <why>" for a TLS verification failure, to end the message of the error a caller raises; else "". */
export function tlsDetail(err: unknown): string {
  return err instanceof TlsVerificationError ? `: ${err.message}` : '';
}

/** TLS with Node's defaults (the system store, verification on): for requests no option group covers. */
export const DEFAULT_TLS = new ClientTls('DEFAULT');
