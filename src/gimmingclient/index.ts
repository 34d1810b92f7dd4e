/** The GIMinG TypeScript SDK. */
export * from './client';
export { type AuthConfig, type CloudConfig, resolveCloud } from './cloud-config';
export { AuthError, GimmingClientError } from './errors';
export { SERVICE_TYPE, Session } from './session';
export {
  API_VERSION_HEADER,
  CLIENT_MAX_API_VERSION,
  CLIENT_MIN_API_VERSION,
  chooseApiVersion,
} from './api-version';
