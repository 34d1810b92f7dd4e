/**
 * The REST API: its listener and limits ([api]), the key that seals cloud credentials given with a
 * request ([cloud_credentials]) and /healthcheck ([healthcheck]).
 */
import { str, int, bool, port, list, type GroupSpec } from '../option-spec';

export const apiOptions = {
  bind_host: str('IP address the REST API listens on.', '0.0.0.0'),
  bind_port: port('Port the REST API listens on.', 9595),
  public_endpoint: str(
    'Public URL of the API used in links in responses (version document, next links). Defaults to the ' +
      'URL of the request.',
    null,
  ),
  enable_dashboard: bool(
    'Whether the API serves the web dashboard under /dashboard/ (built by npm run build), with the ' +
      'session calls that log users in to Keystone.',
    true,
  ),
  image_cache_time: int(
    'Seconds this API process keeps the answer of an image list or show (GET /v1/images, ' +
      'GET /v1/images/{id}) and gives it again to a request with the same token, path, query and ' +
      'microversion, without asking the conductor. What the conductors change (through any API process, ' +
      'or by their own work: tasks, copies, drift, refreshes) empties the answers that showed it in every ' +
      'API process at once; while this process cannot hear those changes (the messaging service away) ' +
      'nothing is cached. An answer showing copies in clouds is kept at most half of [conductor] ' +
      'remote_cache_time (set the same value on the API nodes), not at all when that is 0, so that what ' +
      'changes in a cloud shows as soon as without this cache. Requests with cloud credentials are not ' +
      'cached. 0: off, every read asks the conductor.',
    5,
    0,
  ),
  max_request_body_size: int('Largest JSON request body accepted, in bytes.', 114688, 1024),
  client_body_timeout: int(
    'Seconds a JSON request body may pause before the request is given up and its connection closed.',
    20,
    1,
  ),
  upload_idle_timeout: int(
    'Seconds an upload body (PUT /v1/images/{id}/file) may pause before the upload is given up (408), its ' +
      'reservation and partial data freed and its connection closed.',
    60,
    1,
  ),
  upload_resume_time: int(
    'Seconds what arrived of an upload cut short (microversion 1.6: the connection dropped or stalled) ' +
      'stays staged for the client to resume it (HEAD /v1/images/{id}/file for the offset, then PUT with ' +
      'Content-Range). Once it lapses, the partial data is deleted and the image waits for its data ' +
      'again. 0: an upload cut short is discarded at once, as before 1.6.',
    3600,
    0,
  ),
  upload_deadline: int(
    'Seconds an upload body may take in all, however steadily it arrives, before the upload is given up ' +
      '(408) and everything it staged freed, so that a client trickling data cannot hold a reservation ' +
      'for ever.',
    21600,
    1,
  ),
  workers: int(
    'Number of gimming-api processes serving requests on bind_host:bind_port (node cluster: one primary ' +
      'process hands connections to that many workers in turn). With more than one, each worker has its ' +
      'own token cache and broker connection, and a scrape of the [metrics] port is answered by one ' +
      'worker in turn.',
    1,
    1,
  ),
  max_limit: int('Largest number of items one list request returns.', 1000, 1),
  default_limit: int('Number of items a list request returns when it names no limit.', 100, 1),
  cloud_credentials_lifetime: int(
    'Seconds the cloud credentials given with a request (X-Cloud-Credentials) stay usable by the work the ' +
      'request queued, retries included: an agent opens them only within this time. They are kept only ' +
      'sealed in memory, never stored; work still waiting after this long, or resumed by another ' +
      'conductor, fails and asks for them again. A copy that started in time runs to its end with the ' +
      "session the agent opened with them; for work that must wait or retry longer, register the cloud's " +
      'credentials in the key manager (credentials_ref) instead, which a trust reads.',
    3600,
    60,
  ),
} as const satisfies GroupSpec;

export const cloudCredentialsOptions = {
  public_key_file: str(
    'The public key (PEM; X25519, or an EC key such as P-256) gimming-api seals the cloud credentials ' +
      'given with a request (X-Cloud-Credentials) with, for the agents, which alone hold its private key: ' +
      'neither the API nor the conductor can open them. Unset: the API refuses such credentials.',
    null,
  ),
  private_key_files: list(
    'The private keys (PEM) gimming-agent opens the cloud credentials given with a request with: the one ' +
      'whose public key gimming-api seals with, and during a rotation the previous one, until no work ' +
      'sealed with it is left (at most [api] cloud_credentials_lifetime). Readable by the agent only.',
    [],
  ),
} as const satisfies GroupSpec;

export const healthcheckOptions = {
  disable_by_file_path: str(
    'A file whose presence makes the /healthcheck of gimming-api answer 503 "DISABLED BY FILE", so that a ' +
      'load balancer stops sending it new requests while it still serves the ones it has (draining before ' +
      'a restart). Unset: never disabled by a file.',
    null,
  ),
  detailed: bool(
    'Show more detailed information as part of the /healthcheck response when it is asked for as JSON ' +
      '(every check with its details, the process and the platform). Security note: enabling this option ' +
      'may expose sensitive details about the service being monitored. Be sure to verify that it will not ' +
      'violate your security policies.',
    false,
  ),
  conductor_timeout: int(
    'Seconds /healthcheck waits for a conductor to answer its ping before it reports the conductor ' +
      'unreachable.',
    2,
    1,
  ),
  conductor_cache_time: int(
    'Seconds the outcome of a ping to the conductor is reused by /healthcheck before the conductor is ' +
      'pinged again, so that a load balancer polling every API does not flood the conductor. A ping is ' +
      'never sent twice at once. Set to 0 to ping on every request.',
    5,
  ),
} as const satisfies GroupSpec;
