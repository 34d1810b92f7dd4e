/**
 * The options every daemon reads first: its name, logging, the messaging backend ([DEFAULT]) and the
 * database ([database]).
 */
import { hostname } from 'node:os';

import { str, int, bool, type GroupSpec } from '../option-spec';

export const defaultOptions = {
  host: str(
    'Name of this node. Used in agent registration, task ownership and log lines. Must be unique among ' +
      'the daemons of one kind.',
    hostname(),
    { sampleDefault: '<the machine host name>' },
  ),
  debug: bool('If set to true, the logging level is set to DEBUG instead of the default INFO level.', false),
  transport_url: str(
    'The network address and optional user credentials for connecting to the messaging backend, in URL ' +
      'format: rabbit://user:pass@host:port[,user:pass@host:port]/virtual_host.',
    'rabbit://guest:guest@127.0.0.1:5672/',
    { sensitive: true },
  ),
  control_exchange: str('The exchange that GIMinG topics are scoped to.', 'gimming'),
  rpc_response_timeout: int('Seconds to wait for a response from an RPC call.', 60, 1),
} as const satisfies GroupSpec;

export const databaseOptions = {
  connection: str(
    'The SQLAlchemy-style connection string of the database, used only by gimming-conductor and ' +
      'gimming-manage, for example mysql+pymysql://user:pass@host/gimming?charset=utf8. TLS is asked for ' +
      'in its query as PyMySQL takes it: ssl_ca=<CA bundle> (the server certificate is then verified), ' +
      'ssl_cert=<client certificate> and ssl_key=<its key>, ssl_check_hostname=false to accept a ' +
      'certificate not issued to the host name, or ssl=true to use TLS verified against the CAs of the ' +
      'system.',
    null,
    { sensitive: true },
  ),
  max_pool_size: int('Maximum number of database connections to keep open per process.', 10, 1),
  connection_timeout: int('Seconds to wait for a database connection to be established.', 10, 1),
} as const satisfies GroupSpec;
