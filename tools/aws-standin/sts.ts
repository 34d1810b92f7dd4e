/** STS: AssumeRole (temporary credentials the stand-in then verifies) and GetCallerIdentity. */
import { randomBytes } from 'node:crypto';
import type { AssumeRoleRequest } from '@aws-sdk/nested-clients/sts';
import type { StandinConfig } from './config';
import type { Identity } from './credentials';
import { AwsError } from './errors';
import { newAccessKeyId, newSecret } from './ids';
import type { Store } from './state';

export function stsAction(
  config: StandinConfig,
  store: Store,
  identity: Identity,
  action: string,
  input: object,
): Record<string, unknown> {
  if (action === 'GetCallerIdentity')
    return { UserId: identity.userId, Account: identity.account, Arn: identity.arn };
  if (action !== 'AssumeRole')
    throw new AwsError('UnsupportedOperation', `The stand-in does not implement STS ${action}.`);
  const req = input as AssumeRoleRequest;
  const roleArn = req.RoleArn!;
  const m = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@/-]+)$/.exec(roleArn);
  const account = m ? config.accounts.find((a) => a.id === m[1]) : undefined;
  const role = account?.roles?.find((r) => r.name === m![2]);
  if (
    !m ||
    !account ||
    !role ||
    !(role.trustedAccounts.includes(identity.account) || account.id === identity.account)
  ) {
    throw new AwsError(
      'AccessDenied',
      `User: ${identity.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      403,
    );
  }
  const session = req.RoleSessionName!;
  const duration = req.DurationSeconds ?? 3600;
  const expiration = new Date(Date.now() + duration * 1000);
  const accessKeyId = newAccessKeyId(true);
  const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase().slice(0, 17)}`;
  const cred = {
    accessKeyId,
    secretAccessKey: newSecret(),
    sessionToken: randomBytes(96).toString('base64'),
    account: account.id,
    arn: `arn:aws:sts::${account.id}:assumed-role/${role.name}/${session}`,
    userId: `${roleId}:${session}`,
    expiration: expiration.toISOString(),
  };
  store.tempCredentials.set(accessKeyId, cred);
  for (const [k, c] of store.tempCredentials)
    if (new Date(c.expiration).getTime() < Date.now() - 86400000) store.tempCredentials.delete(k);
  store.changed();
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: cred.secretAccessKey,
      SessionToken: cred.sessionToken,
      Expiration: expiration,
    },
    AssumedRoleUser: { AssumedRoleId: cred.userId, Arn: cred.arn },
  };
}
