/**
 * A client of one agent, with the channel options the byte path needs (a large flow-control window, since
 * grpc-js offers that knob only on the client; message limits above the chunk size), the process's
 * credentials on every call (`auth.ts`), deadlines on every unary call and errors rebuilt as GimmingErrors.
 */
import * as grpc from '@grpc/grpc-js';
import type { RequestContext } from '../context';
import { type CallSigner, signingInterceptor } from './auth';
import { contextToMetadata } from './context-metadata';
import { fromServiceError } from './errors';
import { type AgentClient, loadAgentService } from './loader';

export interface AgentClientOptions {
  flowControlWindow: number;
  maxMessageBytes: number;
}

const clients = new Map<string, AgentClient>();
let signer: CallSigner | null = null;
let channelCredentials: grpc.ChannelCredentials | null = null;

/**
 * The channel credentials of this process (mutual TLS, or plaintext only when configured so), set once at
 * start-up; without them no agent client can be made.
 */
export function setAgentChannelCredentials(value: grpc.ChannelCredentials): void {
  channelCredentials = value;
  closeAgentClients();
}

/**
 * The credentials of this process, set once at start-up (see bootstrap) by every daemon that calls agents:
 * every call of every agent client made afterwards is signed with them; none (null) sends unsigned calls.
 */
export function setAgentCallSigner(value: CallSigner | null): void {
  signer = value;
  closeAgentClients();
}

export function agentClient(address: string, opts: AgentClientOptions): AgentClient {
  const key = `${address}|${opts.flowControlWindow}|${opts.maxMessageBytes}`;
  let client = clients.get(key);
  if (!client) {
    const { client: Ctor } = loadAgentService();
    if (!channelCredentials) throw new Error('agent clients are used before their TLS credentials were set');
    client = new Ctor(address, channelCredentials, {
      'grpc-node.flow_control_window': opts.flowControlWindow,
      'grpc.max_receive_message_length': opts.maxMessageBytes,
      'grpc.max_send_message_length': opts.maxMessageBytes,
      'grpc.keepalive_time_ms': 30000,
      'grpc.keepalive_timeout_ms': 10000,
      ...(signer ? { interceptors: [signingInterceptor(signer, address)] } : {}),
    }) as unknown as AgentClient;
    clients.set(key, client);
  }
  return client;
}

/** Starts one unary call: `(metadata, options, callback) => client.Method(request, metadata, options, callback)`. */
export type UnaryInvoker<Res> = (
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/** Runs a unary call with the context in metadata and a deadline; errors come back as GimmingErrors. */
export function unary<Res>(
  address: string,
  invoke: UnaryInvoker<Res>,
  ctx: RequestContext,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(contextToMetadata(ctx), { deadline: Date.now() + timeoutMs }, (err, value) => {
      if (err) reject(fromServiceError(err, address));
      else resolve(value as Res);
    });
  });
}

export function closeAgentClients(): void {
  for (const client of clients.values()) client.close();
  clients.clear();
}
