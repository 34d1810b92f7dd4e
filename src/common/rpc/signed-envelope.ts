/**
 * Casts that carry no user token (an agent's heartbeat, one conductor asking another to stop a copy) are
 * signed by the daemon that sends them with the deployment's shared secret (`[agent] rpc_secrets`), the
 * way calls to agents are (`grpc/auth.ts`): bound to the receiving service, the method and a digest of
 * the version, arguments and request id, with a time and a nonce. A message put on the broker by anyone
 * else, or one seen there and published again, is refused: the broker carries messages, it does not vouch
 * for who sent them.
 */
import { createHash } from 'node:crypto';
import type { RequestContext } from '../context';
import type { CallSigner, CallVerifier } from '../grpc/auth';
import { ENVELOPE_VERSION, type RpcEnvelope } from './envelope';

/** What a signature on a cast is for: the service (its exchange and topic) that receives it. */
export function castAudience(exchange: string, topic: string): string {
  return `amqp:${exchange}/${topic}`;
}

function digestOf(envelope: RpcEnvelope): string {
  return createHash('sha256')
    .update(
      JSON.stringify([envelope.method, envelope.version, envelope.args ?? null, envelope.context.request_id]),
    )
    .digest('base64url');
}

export function signEnvelope(signer: CallSigner, audience: string, envelope: RpcEnvelope): RpcEnvelope {
  return {
    ...envelope,
    signature: signer.sign({ audience, path: envelope.method, digest: digestOf(envelope) }),
  };
}

/**
 * The envelope of a cast: the context without token, catalog or credentials, signed for `audience` when
 * the sending daemon has a signer.
 */
export function castEnvelope(
  ctx: RequestContext,
  method: string,
  version: string,
  args: unknown,
  signing: { signer: CallSigner | null; audience: string },
): RpcEnvelope {
  const envelope: RpcEnvelope = {
    envelope_version: ENVELOPE_VERSION,
    method,
    version,
    args,
    context: ctx.toWire(false),
  };
  return signing.signer ? signEnvelope(signing.signer, signing.audience, envelope) : envelope;
}

/** Throws CallRefused unless the envelope is signed, for this audience, and new. */
export function verifyEnvelope(verifier: CallVerifier, audience: string, envelope: RpcEnvelope): void {
  const creds = verifier.parse(envelope.signature);
  verifier.check(creds, envelope.method, digestOf(envelope), audience);
}
