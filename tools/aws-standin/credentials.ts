/** Who a request comes from: the access keys of the configuration, and the temporary ones STS made. */
import type { StandinConfig } from './config';
import type { Store } from './state';

export interface Identity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  account: string;
  arn: string;
  userId: string;
  expiration?: Date;
}

export class Credentials {
  private readonly longTerm = new Map<string, Identity>();

  constructor(
    config: StandinConfig,
    private readonly store: Store,
  ) {
    for (const a of config.accounts) {
      for (const k of a.accessKeys) {
        this.longTerm.set(k.accessKeyId, {
          accessKeyId: k.accessKeyId,
          secretAccessKey: k.secretAccessKey,
          account: a.id,
          arn: `arn:aws:iam::${a.id}:user/${a.name}`,
          userId: `AIDA${k.accessKeyId.slice(4)}`,
        });
      }
    }
  }

  /** The identity of an access key, or undefined for a key nobody issued. Expired ones are returned too. */
  lookup(accessKeyId: string): Identity | undefined {
    const found = this.longTerm.get(accessKeyId);
    if (found) return found;
    const t = this.store.tempCredentials.get(accessKeyId);
    if (!t) return undefined;
    return {
      accessKeyId: t.accessKeyId,
      secretAccessKey: t.secretAccessKey,
      sessionToken: t.sessionToken,
      account: t.account,
      arn: t.arn,
      userId: t.userId,
      expiration: new Date(t.expiration),
    };
  }
}
