import { randomBytes, randomUUID } from 'node:crypto';

/** An EC2-style resource ID: `ami-` and 17 hex digits. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export function requestId(): string {
  return randomUUID();
}

/** An access key ID as AWS makes them: AKIA (long-term) or ASIA (temporary) and 16 characters. */
export function newAccessKeyId(temporary: boolean): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(16);
  let s = temporary ? 'ASIA' : 'AKIA';
  for (const b of bytes) s += alphabet[b % 32];
  return s;
}

export function newSecret(): string {
  return randomBytes(30).toString('base64');
}
