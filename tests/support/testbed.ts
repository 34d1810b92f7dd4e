/**
 * The real OpenStack test bed (Keystone with two regions, a Glance per region), brought up by the
 * project's own tooling and described by the testbed.json it writes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TestbedUser {
  username: string;
  password: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
}

export interface TestbedAwsAccount {
  account_id: string;
  access_key_id: string;
  secret_access_key: string;
  /** `arn:aws:iam::<account>:role/gimming`, which the other account may assume. */
  role_arn: string;
  /** The account's transfer bucket in each region. */
  buckets: Record<string, string>;
}

/** The AWS stand-in (tools/aws-standin) the test bed runs: see doc/source/contributor/aws-standin.rst. */
export interface TestbedAwsStandin {
  ec2_url: string;
  sts_url: string;
  s3_url: string;
  control_url: string;
  regions: string[];
  accounts: Record<'operator' | 'project', TestbedAwsAccount>;
}

export interface Testbed {
  auth_url: string;
  users: Record<'admin' | 'demo' | 'alt' | 'gimming', TestbedUser>;
  regions: Record<string, { glance_url: string; store_dir?: string }>;
  aws_standin?: TestbedAwsStandin;
}

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const TESTBED_DIR = process.env.GIMMING_TESTBED_DIR ?? '/var/tmp/gimming-testbed';

let loaded: Testbed | undefined;

/**
 * Brings the test bed (back) up in the middle of a test, with `testbed.sh up` and these arguments. Never
 * synchronously: a blocked event loop keeps the idle HTTP connections it should have let go, and the
 * next request to a daemon then meets a socket the daemon closed meanwhile ("other side closed").
 */
export async function testbedUp(args: string[] = [], env: Record<string, string> = {}): Promise<void> {
  await promisify(execFile)('bash', [join(REPO_ROOT, 'tools', 'testbed', 'testbed.sh'), 'up', ...args], {
    env: { ...process.env, ...env },
  });
}

/** Brings the test bed up (idempotent, fast when it already runs) and reads its description. */
export function testbed(): Testbed {
  if (loaded) return loaded;
  if (process.env.GIMMING_TESTBED_SKIP_UP !== '1') {
    execFileSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'testbed.sh'), 'up'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  loaded = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as Testbed;
  return loaded;
}
