/**
 * GIMinG errors across gRPC: the agent puts the GimmingError in the trailing metadata (`gimming-error`)
 * next to the gRPC status that best matches it; the caller rebuilds the same error.
 */
import * as grpc from '@grpc/grpc-js';
import { GimmingError, type WireError, asGimmingError } from '../errors';

const ERROR_KEY = 'gimming-error';

function grpcStatusFor(status: number): grpc.status {
  switch (status) {
    case 400:
    case 413:
      return grpc.status.INVALID_ARGUMENT;
    case 401:
      return grpc.status.UNAUTHENTICATED;
    case 403:
      return grpc.status.PERMISSION_DENIED;
    case 404:
      return grpc.status.NOT_FOUND;
    case 409:
      return grpc.status.FAILED_PRECONDITION;
    case 503:
      return grpc.status.UNAVAILABLE;
    case 504:
      return grpc.status.DEADLINE_EXCEEDED;
    default:
      return grpc.status.INTERNAL;
  }
}

export function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const gerr = asGimmingError(err);
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_KEY, JSON.stringify(gerr.toWire()));
  return { code: grpcStatusFor(gerr.status), details: gerr.message, metadata };
}

/** Rebuilds the GimmingError an agent sent, or describes a transport failure as one. */
export function fromServiceError(err: unknown, peer: string): GimmingError {
  if (err instanceof GimmingError) return err;
  const serviceError = err as Partial<grpc.ServiceError>;
  const raw = serviceError.metadata?.get(ERROR_KEY)[0];
  if (typeof raw === 'string') {
    let wire: WireError | undefined;
    try {
      wire = JSON.parse(raw) as WireError;
    } catch {
      // fall through to the status
    }
    if (wire?.code === 'gimming.agent.unauthenticated') {
      // The agent refused this daemon's credentials: a fault of the deployment, not of the user's token,
      // so not a 401 the API would pass on as the user's.
      return new GimmingError(
        'gimming.agent.unauthenticated',
        502,
        `Agent ${peer} refused the call: ${wire.message} The daemons' [agent] rpc_secrets or clocks differ.`,
      );
    }
    if (wire) return GimmingError.fromWire(wire);
  }
  const details = serviceError.details ?? (err instanceof Error ? err.message : String(err));
  switch (serviceError.code) {
    case grpc.status.UNAVAILABLE:
      return new GimmingError('gimming.agent.unavailable', 503, `Agent ${peer} is unreachable: ${details}`, {
        retryable: true,
        details: { agent: peer },
      });
    case grpc.status.DEADLINE_EXCEEDED:
      return new GimmingError('gimming.agent.timeout', 504, `Agent ${peer} did not answer in time.`, {
        retryable: true,
      });
    case grpc.status.CANCELLED:
      return new GimmingError('gimming.task.cancelled', 409, 'The operation was cancelled.');
    default:
      return new GimmingError('gimming.agent.error', 502, `Agent ${peer} failed: ${details}`, {
        retryable: true,
      });
  }
}
