/**
 * Who sent a message to the conductor, decided by the conductor itself: the broker and what a message
 * says about its sender are not trusted.
 *
 * - A call from the API carries the user's token. The conductor validates it with Keystone (with a short
 *   cache, as the API does) and takes the user, project, roles and catalog from Keystone's answer, never
 *   from the message: a message forged on the broker with `roles: ["admin"]` and no valid admin token runs
 *   nothing as an administrator.
 * - A cast carries no token: an agent's heartbeat (from the heartbeat queue only) and one conductor asking
 *   another to stop a copy must be signed with the deployment's secret (`signed-envelope.ts`).
 * - `ping` and `service_versions` need nothing: they answer with hosts and versions only.
 */
import { isValidRequestId, newRequestId, RequestContext } from '../common/context';
import { GimmingError } from '../common/errors';
import { CallRefused, type CallVerifier } from '../common/grpc/auth';
import type { KeystoneValidator } from '../common/keystone/validator';
import { isAdministrator } from '../common/policy/rules';
import type { RpcEnvelope } from '../common/rpc/envelope';
import { castAudience, verifyEnvelope } from '../common/rpc/signed-envelope';
import { CONDUCTOR_TOPIC } from './rpcapi';

/** Casts the conductor takes only signed by a daemon of the deployment. */
const SIGNED_CASTS: ReadonlySet<string> = new Set(['agent_heartbeat', 'cancel_copy']);
/** Calls that need no identity at all. */
const OPEN_CALLS: ReadonlySet<string> = new Set(['ping', 'service_versions']);

function unauthenticated(message: string): GimmingError {
  return new GimmingError('gimming.rpc.unauthenticated', 401, message);
}

export class ConductorAuthenticator {
  private readonly audience: string;

  constructor(
    private readonly keystone: KeystoneValidator,
    /** null only when the deployment runs without rpc_secrets (rpc_allow_unauthenticated). */
    private readonly verifier: CallVerifier | null,
    exchange: string,
  ) {
    this.audience = castAudience(exchange, CONDUCTOR_TOPIC);
  }

  readonly authenticate = async (envelope: RpcEnvelope): Promise<RequestContext> => {
    const sent = envelope.context;
    const requestId = isValidRequestId(sent.request_id) ? sent.request_id : newRequestId();
    const globalRequestId = isValidRequestId(sent.global_request_id) ? sent.global_request_id : undefined;
    if (OPEN_CALLS.has(envelope.method)) return RequestContext.forService(requestId);
    if (SIGNED_CASTS.has(envelope.method)) {
      if (this.verifier) {
        try {
          verifyEnvelope(this.verifier, this.audience, envelope);
        } catch (err) {
          const reason = err instanceof CallRefused ? err.reason : 'malformed credentials';
          throw unauthenticated(
            `${envelope.method} is not signed by a daemon of this deployment: ${reason}.`,
          );
        }
      }
      return RequestContext.forService(requestId);
    }
    const token = sent.auth_token;
    if (typeof token !== 'string' || token === '') {
      throw unauthenticated(`${envelope.method} needs the token of the user it is done for.`);
    }
    const identity = await this.keystone.validate(token);
    const data = {
      ...identity,
      request_id: requestId,
      global_request_id: globalRequestId,
      auth_token: token,
      // Sealed for the agents, which alone can open them and check what they are bound to.
      cloud_credentials: typeof sent.cloud_credentials === 'string' ? sent.cloud_credentials : undefined,
    };
    // Administrator is the policy's answer for this identity (context_is_admin), not what the message says.
    return new RequestContext({ ...data, is_admin: isAdministrator(new RequestContext(data)) });
  };
}
