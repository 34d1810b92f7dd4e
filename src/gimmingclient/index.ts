/** The GIMinG TypeScript SDK. */
export * from './client';
export { type AuthConfig, type CloudConfig, resolveCloud } from './cloud-config';
export { AuthError, GimmingClientError } from './errors';
export { SERVICE_TYPE, Session } from './session';
