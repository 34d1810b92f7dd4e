/**
 * Who may call an agent: the holders of the deployment's shared secret (`[agent] rpc_secrets`), which no
 * call ever carries. Every call to an agent carries, in the `x-gimming-auth` metadata,
 *
 *     v1.<unix time in ms>.<random nonce>.<base64url HMAC-SHA256(secret, signed text)>
 *
 * where the signed text is `gimming-agent-rpc-v1`, the method path, the time and the nonce, one per line.
 * The agent recomputes the HMAC with each secret it accepts (the first one configured signs, any one
 * verifies, so a secret is rotated without downtime), refuses a time further than the validity window from
 * its own clock, and a nonce it has already accepted while that time is still inside the window: a
 * signature seen on the network is worth nothing a window later, and nothing at all on the same agent.
 *
 * The signature covers the method, not the request or the other metadata (streams are checked once per
 * call, never per chunk): it proves who calls, while only TLS would keep an eavesdropper from reading or
 * altering what the call carries. The check is a grpc-js server interceptor, so a refused call never
 * reaches a handler; the caller side is a client interceptor on every agent client of the process.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../config/load';
import type { GimmingConfig } from '../config/schema';
import { GimmingError } from '../errors';
import { getLogger } from '../log';
import { toServiceError } from './errors';

export const AUTH_METADATA_KEY = 'x-gimming-auth';
const VERSION = 'v1';
const CONTEXT = 'gimming-agent-rpc-v1';
/** Shorter secrets could be guessed offline from one signature seen on the network. */
export const MIN_SECRET_LENGTH = 32;
const NONCE_RE = /^[A-Za-z0-9_-]{16,64}$/;
const TIME_RE = /^\d{1,15}$/;
const SIGNATURE_RE = /^[A-Za-z0-9_-]{43}$/;

function hmac(secret: string, path: string, timeMs: string, nonce: string): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}\n${path}\n${timeMs}\n${nonce}`).digest();
}

/** The `x-gimming-auth` value of one call; exported for tests, which forge wrong ones. */
export function signCall(secret: string, path: string, timeMs: number, nonce: string): string {
  const time = String(Math.trunc(timeMs));
  return `${VERSION}.${time}.${nonce}.${hmac(secret, path, time, nonce).toString('base64url')}`;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/** Signs the calls of this process with the first configured secret. */
export class CallSigner {
  constructor(
    private readonly secret: string,
    private readonly clock: () => number = Date.now,
  ) {}

  sign(path: string): string {
    return signCall(this.secret, path, this.clock(), newNonce());
  }
}

/** Why a call was refused; said to the caller and logged (never the secret, never the signature). */
export type Refusal = 'no credentials' | 'malformed credentials' | 'expired' | 'wrong signature' | 'replayed';

export class CallRefused extends GimmingError {
  constructor(readonly reason: Refusal) {
    super('gimming.agent.unauthenticated', 401, `The call to the agent is not authenticated: ${reason}.`, {
      details: { reason },
    });
  }
}

/**
 * Nonces accepted while their call's time is inside the window. Only calls with a good signature are
 * remembered, so only the deployment's own daemons fill it (about their call rate times twice the window).
 */
class NonceCache {
  /** nonce -> when it can be forgotten (its call's time plus the window); roughly in that order. */
  private readonly seen = new Map<string, number>();

  /** False when the nonce was seen already. */
  add(nonce: string, forgetAt: number, now: number): boolean {
    for (const [old, at] of this.seen) {
      if (at >= now) break;
      this.seen.delete(old);
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, forgetAt);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

/** Checks the `x-gimming-auth` of the calls an agent receives. */
export class CallVerifier {
  private readonly nonces = new NonceCache();

  constructor(
    private readonly secrets: readonly string[],
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (secrets.length === 0) throw new Error('a CallVerifier needs at least one secret');
  }

  /** Throws CallRefused unless the call's credentials are good and new. */
  verify(path: string, value: unknown): void {
    if (value === undefined) throw new CallRefused('no credentials');
    if (typeof value !== 'string') throw new CallRefused('malformed credentials');
    const parts = value.split('.');
    const [version, time, nonce, signature] = parts;
    if (
      parts.length !== 4 ||
      version !== VERSION ||
      !TIME_RE.test(time as string) ||
      !NONCE_RE.test(nonce as string) ||
      !SIGNATURE_RE.test(signature as string)
    ) {
      throw new CallRefused('malformed credentials');
    }
    const now = this.clock();
    const at = Number(time);
    if (Math.abs(now - at) > this.windowMs) throw new CallRefused('expired');
    const given = Buffer.from(signature as string, 'base64url');
    let good = false;
    for (const secret of this.secrets) {
      // Every secret is tried, so the time taken says nothing about which one matched.
      if (timingSafeEqual(hmac(secret, path, time as string, nonce as string), given)) good = true;
    }
    if (!good) throw new CallRefused('wrong signature');
    if (!this.nonces.add(nonce as string, at + this.windowMs, now)) throw new CallRefused('replayed');
  }

  /** Nonces remembered now (for tests). */
  get remembered(): number {
    return this.nonces.size;
  }
}

/** What the configuration says about the agents' gRPC port; a null signer and verifier mean no auth. */
export interface AgentRpcAuth {
  signer: CallSigner | null;
  verifier: CallVerifier | null;
}

/**
 * Reads `[agent] rpc_secrets`, `rpc_auth_window` and `rpc_allow_unauthenticated`. Without a secret a
 * daemon refuses to start unless running unauthenticated was asked for in so many words.
 */
export function agentRpcAuth(config: GimmingConfig): AgentRpcAuth {
  const { rpc_secrets: secrets, rpc_auth_window: window, rpc_allow_unauthenticated: allow } = config.agent;
  if (secrets.length === 0) {
    if (allow) return { signer: null, verifier: null };
    throw new ConfigError(
      'missing required option [agent] rpc_secrets: the shared secret that authenticates the calls to ' +
        'agents (for example from `openssl rand -hex 32`); set [agent] rpc_allow_unauthenticated = true ' +
        'only on a closed development machine',
    );
  }
  secrets.forEach((secret, i) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `invalid configuration: [agent] rpc_secrets: secret number ${i + 1} is shorter than ` +
          `${MIN_SECRET_LENGTH} characters`,
      );
    }
  });
  return {
    signer: new CallSigner(secrets[0] as string),
    verifier: new CallVerifier(secrets, window * 1000),
  };
}

/** Adds the credentials to every call a client makes. */
export function signingInterceptor(signer: CallSigner): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTH_METADATA_KEY, signer.sign(options.method_definition.path));
        next(metadata, listener);
      },
    });
}

export interface RefusalLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** At most `burst` refusals are logged one by one per interval; the rest are counted. */
export interface RefusalLogLimits {
  burst: number;
  intervalMs: number;
}

/**
 * Refuses, with UNAUTHENTICATED and the GimmingError in the trailing metadata, every call whose credentials
 * are not good, before the call reaches its handler.
 */
export function verifyingInterceptor(
  verifier: CallVerifier,
  log: RefusalLog = getLogger('agent.auth'),
  { burst: LOG_BURST, intervalMs: LOG_INTERVAL_MS }: RefusalLogLimits = { burst: 50, intervalMs: 10_000 },
): grpc.ServerInterceptor {
  let windowStart = 0;
  let logged = 0;
  let suppressed = 0;
  const flush = () => {
    if (suppressed > 0) log.warn({ suppressed }, 'more calls refused: not authenticated');
    suppressed = 0;
  };
  const logRefusal = (fields: Record<string, unknown>) => {
    const now = Date.now();
    if (now - windowStart >= LOG_INTERVAL_MS) {
      flush();
      windowStart = now;
      logged = 0;
    }
    if (logged < LOG_BURST) {
      logged += 1;
      log.warn(fields, 'call refused: not authenticated');
    } else {
      // The count is logged at the end of the interval, even if nothing more comes.
      if (suppressed === 0) setTimeout(flush, windowStart + LOG_INTERVAL_MS - now).unref();
      suppressed += 1;
    }
  };
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, mdNext) {
            try {
              verifier.verify(method.path, metadata.get(AUTH_METADATA_KEY)[0]);
            } catch (err) {
              const reason = err instanceof CallRefused ? err.reason : 'malformed credentials';
              const requestId = metadata.get('x-openstack-request-id')[0];
              logRefusal({
                method: method.path,
                peer: call.getPeer(),
                reason,
                ...(typeof requestId === 'string' ? { caller_request_id: requestId.slice(0, 64) } : {}),
              });
              call.sendStatus(
                toServiceError(
                  err instanceof CallRefused ? err : new CallRefused(reason),
                ) as grpc.StatusObject,
              );
              return;
            }
            mdNext(metadata);
          },
        });
      },
    });
}
