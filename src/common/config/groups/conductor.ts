/** How conductors drive tasks ([conductor]) and the per-project limits on what they queue ([quota]). */
import { int, bool, list, type GroupSpec } from '../option-spec';

export const conductorOptions = {
  workers: int('Number of copy tasks one conductor drives at the same time.', 16, 1),
  agent_down_time: int(
    'Seconds since the last heartbeat after which an agent is considered down and gets no new work.',
    30,
    2,
  ),
  task_progress_interval: int('Seconds between two writes of a running task progress.', 1, 1),
  remote_cache_time: int(
    'Seconds the live metadata of a copy, read from its cloud for a user, is reused before it is read again. ' +
      'Set to 0 to read it on every request.',
    10,
  ),
  refresh_interval: int(
    'Seconds between two periodic refreshes, and how old the last check of a copy must be for it to be ' +
      'checked again: a copy deleted or changed behind GIMinG is found within about twice this time. The ' +
      "check runs as the service user of [keystone_authtoken], who must be able to read every project's " +
      'images (admin). Set to 0 to disable.',
    3600,
  ),
  refresh_batch_size: int('Most images one periodic refresh checks.', 200, 1),
  task_lease_time: int(
    'Seconds a conductor holds a task without renewing its lease. When a conductor stops (or dies), another ' +
      'one takes its tasks over once their leases run out. Uploads are leased tasks too, held by the API ' +
      'server that receives the data and renewed every third of this time: when that server dies ' +
      'mid-upload, a conductor ends the upload failed (gimming.upload.interrupted) once its lease runs out ' +
      'and frees its staged data, and the image takes a new upload.',
    30,
    3,
  ),
  task_max_attempts: int(
    'Attempts of a task before it fails for good, when its failures are temporary (a cloud, an agent or a ' +
      'conductor went away).',
    5,
    1,
  ),
  task_retry_delay: int(
    'Seconds before the first retry of a task at most; the ceiling doubles with each further retry (up to ' +
      '10 minutes), and each retry waits a random time below it (full jitter), so that tasks failed together ' +
      'do not come back together.',
    5,
    1,
  ),
  task_deadline: int(
    'Seconds one run of a copy or an import may take in all, however steadily its data arrives. Past it ' +
      'the task is stopped and fails for good (gimming.task.deadline_exceeded), and what it made (a ' +
      'half-made copy, staged data) is removed, so that a trickling source cannot hold a worker for ever. ' +
      'The agents give up a source that sends nothing for the request timeout of their cloud drivers. 0 means no ' +
      'deadline.',
    86400,
    0,
  ),
  task_scan_interval: int(
    'Seconds between two looks for tasks that are due or whose conductor is gone.',
    3,
    1,
  ),
  use_trusts: bool(
    "Run tasks with a Keystone trust from the user to GIMinG's service user, made when the work is " +
      "submitted and deleted when it is done, so that the work outlives the user's token and can be " +
      'taken over by another conductor. Without it, a task runs only with the token of the request and ' +
      'cannot be resumed elsewhere.',
    true,
  ),
  trust_lifetime: int('Seconds a trust made for submitted work stays valid at most.', 86400, 60),
  trust_roles: list(
    'The roles a trust for submitted work delegates, of those the user holds in the project: what the ' +
      'work needs to read and write images in the clouds (member, reader) and to read a project ' +
      "cloud's credentials secret from the key manager (creator, for Barbican's legacy policy). Never more " +
      'than the user holds; a user holding none of them gets no trust, and the work runs with the ' +
      "request's token only. Adding admin lets work taken over by another conductor make public copies, " +
      'at the price of handing GIMinG an administrator.',
    ['member', 'reader', 'creator'],
  ),
} as const satisfies GroupSpec;

export const quotaOptions = {
  running_tasks: int(
    'Most tasks (copies and imports) one project may have pending or running at once. A request that ' +
      'would queue more (an upload, an import, an adoption, a sync) is refused with 429 ' +
      '(gimming.quota.tasks_exceeded) until some have ended; deleting is never refused. -1 means no limit.',
    50,
    -1,
  ),
  staged_bytes: int(
    "Most bytes of one project's uploads and imports the staging areas hold at once, counting what an " +
      'upload still arriving has reserved (its declared size, or at most [agent] staging_max_upload_bytes). ' +
      'An upload or import past it is refused with 413 (gimming.quota.staged_bytes_exceeded); staged data ' +
      'counts until every target has its copy. -1 means no limit.',
    5368709120,
    -1,
  ),
  clouds: int(
    'Most clouds of its own (scope project) one project may register. More are refused with 403 ' +
      '(gimming.quota.clouds_exceeded). Shared clouds, registered by administrators, do not count. -1 means ' +
      'no limit.',
    10,
    -1,
  ),
} as const satisfies GroupSpec;
