/**
 * Calls to an agent's gRPC service from a test, as the conductor makes them (mutual TLS with the
 * DaemonSet's certificate, every call signed with its [agent] rpc_secrets): for what the REST API
 * does not reach yet (a kind of cloud the API has no type for).
 */
import type * as grpc from '@grpc/grpc-js';
import { loadConfig } from './config';
import { RequestContext, newRequestId } from '../../src/common/context';
import { agentRpcAuth } from '../../src/common/grpc/auth';
import {
  agentClient,
  setAgentCallSigner,
  setAgentChannelCredentials,
} from '../../src/common/grpc/agent-client';
import { agentTransport } from '../../src/common/grpc/tls';
import { contextToMetadata } from '../../src/common/grpc/context-metadata';
import { fromServiceError } from '../../src/common/grpc/errors';
import type { AgentClient } from '../../src/common/grpc/loader';
import type { CopyEvent__Output } from '../../src/common/grpc/generated/gimming/agent/v2/CopyEvent';
import type { CopyImageRequest } from '../../src/common/grpc/generated/gimming/agent/v2/CopyImageRequest';
import type { Token } from './openstack';

/** Sets this process up to call agents as the daemons of `configPath` do. */
export function useAgentCredentials(configPath: string): void {
  const config = loadConfig([configPath], {});
  setAgentChannelCredentials(agentTransport(config).channelCredentials());
  setAgentCallSigner(agentRpcAuth(config).signer);
}

export function contextOf(token: Token): RequestContext {
  return new RequestContext({
    request_id: newRequestId(),
    user_id: token.userId,
    project_id: token.projectId,
    roles: ['member', 'reader'],
    auth_token: token.id,
    service_catalog: token.catalog as never,
  });
}

export function client(address: string): AgentClient {
  return agentClient(address, { flowControlWindow: 8 * 1024 * 1024, maxMessageBytes: 2 * 1024 * 1024 });
}

/** A unary call of the agent, with its error rebuilt as a GimmingError. */
export function call<Res>(address: string, method: string, request: unknown, token: Token): Promise<Res> {
  const c = client(address) as unknown as Record<
    string,
    (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<Res>) => void
  >;
  return new Promise((resolve, reject) => {
    c[method]!.call(
      client(address),
      request,
      contextToMetadata(contextOf(token)),
      { deadline: Date.now() + 60000 },
      (err, value) => (err ? reject(fromServiceError(err, address)) : resolve(value as Res)),
    );
  });
}

export interface RunningCopy {
  events: CopyEvent__Output[];
  /** Resolves with the done event, rejects with the copy's error as a GimmingError. */
  result: Promise<CopyEvent__Output>;
  cancel(): void;
  /** Resolves once an event matches. */
  until(match: (e: CopyEvent__Output) => boolean): Promise<CopyEvent__Output>;
}

export function copyImage(address: string, request: CopyImageRequest, token: Token): RunningCopy {
  const stream = client(address).CopyImage(request, contextToMetadata(contextOf(token)));
  const events: CopyEvent__Output[] = [];
  const waiters: Array<{
    match: (e: CopyEvent__Output) => boolean;
    resolve: (e: CopyEvent__Output) => void;
  }> = [];
  const result = new Promise<CopyEvent__Output>((resolve, reject) => {
    let done: CopyEvent__Output | undefined;
    stream.on('data', (e: CopyEvent__Output) => {
      events.push(e);
      if (e.done) done = e;
      for (const w of [...waiters]) {
        if (w.match(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
    stream.on('error', (err) => reject(fromServiceError(err as grpc.ServiceError, address)));
    stream.on('end', () => (done ? resolve(done) : reject(new Error('the copy ended without done'))));
  });
  return {
    events,
    result,
    cancel: () => stream.cancel(),
    until: (match) => {
      const seen = events.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}
