/**
 * Who may call an agent: the holders of the deployment's shared secret (`[agent] rpc_secrets`), which no
 * call ever carries. This is a second lock beside mutual TLS (`tls.ts`): a certificate proves a daemon of
 * the deployment made the connection, the signature proves what one call is for. Every call to an agent
 * carries, in the `x-gimming-auth` metadata,
 *
 *     v2.<unix time in ms>.<random nonce>.<base64url HMAC-SHA256(secret, signed text)>
 *
 * where the signed text is, one per line: `gimming-agent-rpc-v2`, the address of the agent the call is for
 * (the one it registered and callers dial), the method path, the time, the nonce, and the SHA-256 of the
 * request message (its canonical protobuf encoding; empty for calls that stream their requests, whose
 * messages only TLS protects). The agent recomputes the HMAC for its own address with each secret it
 * accepts (the first one configured signs, any one verifies, so a secret is rotated without downtime), and
 * refuses:
 *
 * - a call signed for another agent, another method or another request;
 * - a time further than the validity window from its own clock, or earlier than its own start, so a call
 *   captured before a restart is worth nothing after it;
 * - a nonce it has already accepted while that time is still inside the window.
 *
 * The check is a grpc-js server interceptor, so a refused call never reaches a handler; the caller side is
 * a client interceptor on every agent client of the process.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '../config/load';
import type { GimmingConfig } from '../config/schema';
import { GimmingError } from '../errors';
import { getLogger } from '../log';
import { toServiceError } from './errors';
import { loadAgentService } from './loader';

export const AUTH_METADATA_KEY = 'x-gimming-auth';
const VERSION = 'v2';
const CONTEXT = 'gimming-agent-rpc-v2';
/** Shorter secrets could be guessed offline from one signature seen on the network. */
export const MIN_SECRET_LENGTH = 32;
const NONCE_RE = /^[A-Za-z0-9_-]{16,64}$/;
const TIME_RE = /^\d{1,15}$/;
const SIGNATURE_RE = /^[A-Za-z0-9_-]{43}$/;
/** The digest of calls whose requests are a stream. */
export const STREAM_DIGEST = createHash('sha256').update('').digest('base64url');

/** What one signature is for. */
export interface CallTarget {
  /** The agent's address, as registered (`host:port`). */
  audience: string;
  /** The method path, `/gimming.agent.v2.Agent/DescribeImage`. */
  path: string;
  /** `requestDigest` of the request message, or STREAM_DIGEST. */
  digest: string;
}

function hmac(secret: string, target: CallTarget, timeMs: string, nonce: string): Buffer {
  return createHmac('sha256', secret)
    .update(`${CONTEXT}\n${target.audience}\n${target.path}\n${timeMs}\n${nonce}\n${target.digest}`)
    .digest();
}

type Codec = { requestSerialize(value: unknown): Buffer; requestDeserialize(bytes: Buffer): unknown };

let codecs: Map<string, Codec> | undefined;

/** The request codec of a method, by path (once per process: this runs on every call). */
function codecOf(path: string): Codec | undefined {
  if (!codecs) {
    const definition = loadAgentService().definition as unknown as Record<string, Codec & { path: string }>;
    codecs = new Map(Object.values(definition).map((method) => [method.path, method]));
  }
  return codecs.get(path);
}

/**
 * The SHA-256 of a request message as the agent receives it: its encoding once decoded, so that the
 * caller (who has the object it sends) and the agent (who has the object it decoded, defaults filled in)
 * hash the same bytes.
 */
export function requestDigest(path: string, message: unknown, decoded = false): string {
  const codec = codecOf(path);
  if (!codec) return STREAM_DIGEST;
  const received = decoded ? message : codec.requestDeserialize(codec.requestSerialize(message));
  return createHash('sha256').update(codec.requestSerialize(received)).digest('base64url');
}

/** The `x-gimming-auth` value of one call; exported for tests, which forge wrong ones. */
export function signCall(secret: string, target: CallTarget, timeMs: number, nonce: string): string {
  const time = String(Math.trunc(timeMs));
  return `${VERSION}.${time}.${nonce}.${hmac(secret, target, time, nonce).toString('base64url')}`;
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

  sign(target: CallTarget): string {
    return signCall(this.secret, target, this.clock(), newNonce());
  }
}

/** Why a call was refused; said to the caller and logged (never the secret, never the signature). */
export type Refusal =
  | 'no credentials'
  | 'malformed credentials'
  | 'expired'
  | 'signed before this agent started'
  | 'wrong signature'
  | 'replayed';

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

/** The parts of a well-formed `x-gimming-auth` value whose time is inside the window. */
export interface CallCredentials {
  time: string;
  nonce: string;
  signature: Buffer;
}

/** Checks the `x-gimming-auth` of the calls an agent receives. */
export class CallVerifier {
  private readonly nonces = new NonceCache();
  private readonly startedAt: number;

  /**
   * @param audience the address of this agent, known once its port is bound; a call for another is refused
   */
  constructor(
    private readonly secrets: readonly string[],
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
    public audience = '',
  ) {
    if (secrets.length === 0) throw new Error('a CallVerifier needs at least one secret');
    this.startedAt = clock();
  }

  /** Throws CallRefused unless the value is well formed and its time is inside the window. */
  parse(value: unknown): CallCredentials {
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
    const at = Number(time);
    if (Math.abs(this.clock() - at) > this.windowMs) throw new CallRefused('expired');
    if (at < this.startedAt) throw new CallRefused('signed before this agent started');
    return {
      time: time as string,
      nonce: nonce as string,
      signature: Buffer.from(signature as string, 'base64url'),
    };
  }

  /** Throws CallRefused unless the signature is good for this agent, the path and the digest, and new. */
  check(creds: CallCredentials, path: string, digest: string, audience = this.audience): void {
    const target = { audience, path, digest };
    let good = false;
    for (const secret of this.secrets) {
      // Every secret is tried, so the time taken says nothing about which one matched.
      if (timingSafeEqual(hmac(secret, target, creds.time, creds.nonce), creds.signature)) good = true;
    }
    if (!good) throw new CallRefused('wrong signature');
    const now = this.clock();
    if (!this.nonces.add(creds.nonce, Number(creds.time) + this.windowMs, now)) {
      throw new CallRefused('replayed');
    }
  }

  /** parse + check, for a call whose digest is known. */
  verify(path: string, value: unknown, digest: string): void {
    this.check(this.parse(value), path, digest);
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

/**
 * Adds the credentials to every call a client of the agent at `audience` makes. A call that sends one
 * request is signed when its request is sent, since the signature covers it; its metadata waits for it.
 */
export function signingInterceptor(signer: CallSigner, audience: string): grpc.Interceptor {
  return (options, nextCall) => {
    const path = options.method_definition.path;
    if (options.method_definition.requestStream) {
      return new grpc.InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          metadata.set(AUTH_METADATA_KEY, signer.sign({ audience, path, digest: STREAM_DIGEST }));
          next(metadata, listener);
        },
      });
    }
    let pending:
      { metadata: grpc.Metadata; listener: grpc.InterceptingListener; next: StartNext } | undefined;
    return new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        pending = { metadata, listener, next };
      },
      sendMessage(message, next) {
        if (pending) {
          const { metadata, listener, next: start } = pending;
          pending = undefined;
          metadata.set(
            AUTH_METADATA_KEY,
            signer.sign({ audience, path, digest: requestDigest(path, message) }),
          );
          start(metadata, listener);
        }
        next(message);
      },
    });
  };
}

type StartNext = (
  metadata: grpc.Metadata,
  listener: grpc.InterceptingListener | Partial<grpc.Listener>,
) => void;

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
  return (method, call) => {
    let refused = false;
    let creds: CallCredentials | undefined;
    let callerRequestId: string | undefined;
    const refuse = (err: unknown) => {
      refused = true;
      const reason = err instanceof CallRefused ? err.reason : 'malformed credentials';
      logRefusal({
        method: method.path,
        peer: call.getPeer(),
        reason,
        ...(callerRequestId ? { caller_request_id: callerRequestId } : {}),
      });
      call.sendStatus(
        toServiceError(err instanceof CallRefused ? err : new CallRefused(reason)) as grpc.StatusObject,
      );
    };
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, mdNext) {
            const requestId = metadata.get('x-openstack-request-id')[0];
            if (typeof requestId === 'string') callerRequestId = requestId.slice(0, 64);
            try {
              creds = verifier.parse(metadata.get(AUTH_METADATA_KEY)[0]);
              if (method.requestStream) verifier.check(creds, method.path, STREAM_DIGEST);
            } catch (err) {
              refuse(err);
              return;
            }
            // A call with one request is checked when the request arrives; its handler runs only after.
            mdNext(metadata);
          },
          onReceiveMessage(message, msgNext) {
            if (refused) return;
            if (!method.requestStream && creds) {
              const pending = creds;
              creds = undefined;
              try {
                verifier.check(pending, method.path, requestDigest(method.path, message, true));
              } catch (err) {
                refuse(err);
                return;
              }
            }
            msgNext(message);
          },
          onReceiveHalfClose(next) {
            if (!refused) next();
          },
        });
      },
    });
  };
}
