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
  db_max_retries: int(
    'How many times gimming-conductor runs a database transaction again when the database aborted it ' +
      'for a reason that does not last: a deadlock, a Galera certification failure (a conflicting write ' +
      'on another node of the cluster), a lock wait timeout, a Galera node not ready, or a connection ' +
      'lost before the commit (a database node gone; the next try goes through a new connection). 0: ' +
      'never. A connection lost during the commit is not tried again, since the commit may have been ' +
      'done.',
    20,
    0,
  ),
  db_retry_interval: int('Seconds before the first time a transaction is run again.', 1, 1),
  db_inc_retry_interval: bool(
    'Double the wait each time a transaction is run again, up to db_max_retry_interval. Each wait is ' +
      'drawn between half and all of it (jitter).',
    true,
  ),
  db_max_retry_interval: int('The longest wait, in seconds, before a transaction is run again.', 10, 1),
} as const satisfies GroupSpec;
