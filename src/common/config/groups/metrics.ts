/** The Prometheus metrics listeners of the daemons ([metrics]). */
import { str, bool, port, type GroupSpec } from '../option-spec';

export const metricsOptions = {
  enabled: bool(
    'Serve Prometheus metrics (GET /metrics, text exposition format) on a listener of its own in each ' +
      'daemon, apart from the REST API and the agent gRPC port and without authentication: bind it to a ' +
      'management network only.',
    false,
  ),
  bind_host: str('IP address the metrics listeners listen on.', '127.0.0.1'),
  api_port: port('Port the metrics listener of gimming-api listens on.', 9597),
  conductor_port: port('Port the metrics listener of gimming-conductor listens on.', 9598),
  agent_port: port(
    'Port the metrics listener of gimming-agent listens on. Agents sharing a host each need their own ' +
      '(for example OS_METRICS__AGENT_PORT in their environment).',
    9599,
  ),
} as const satisfies GroupSpec;
