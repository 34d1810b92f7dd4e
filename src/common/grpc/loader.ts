/**
 * Loads the agent service from `protos/` (the source of truth) with one set of options, and swaps the
 * serializers of ReadImage's data stream for hand-written ones: a data chunk is framed once by the sender
 * (see `frame.ts`) and sliced without copying by the receiver, which spares protobufjs's copies of every
 * megabyte of image data.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/agent';
import type { AgentClient, AgentDefinition } from './generated/gimming/agent/v2/Agent';
import { decodeChunk } from './frame';

export const PROTO_ROOT = join(__dirname, '..', '..', '..', '..', 'protos');
export const AGENT_PROTO = 'gimming/agent/v2/agent.proto';
/** The package of that proto: what an agent serves, reported in its heartbeats. */
export const AGENT_PROTO_PACKAGE = 'gimming.agent.v2';

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

let cached: { definition: AgentDefinition; client: grpc.ServiceClientConstructor } | undefined;

export function loadAgentService(): { definition: AgentDefinition; client: grpc.ServiceClientConstructor } {
  if (cached) return cached;
  const packageDefinition = protoLoader.loadSync(AGENT_PROTO, LOADER_OPTIONS);
  const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as ProtoGrpcType;
  const service = proto.gimming.agent.v2.Agent.service;
  const definition = {
    ...service,
    ReadImage: {
      ...service.ReadImage,
      // The server writes chunks that are already framed; the client gets the data without a copy.
      responseSerialize: (framed: Buffer) => framed,
      responseDeserialize: (wire: Buffer) => decodeChunk(wire),
    },
    WriteStaging: {
      ...service.WriteStaging,
      // The same, the other way round: the uploader frames, the agent reads the data as a view.
      requestSerialize: (framed: Buffer) => framed,
      requestDeserialize: (wire: Buffer) => decodeChunk(wire),
    },
  } as unknown as AgentDefinition;
  const client = grpc.makeGenericClientConstructor(definition, 'gimming.agent.v2.Agent');
  cached = { definition, client };
  return cached;
}

export type { AgentClient };
