/**
 * Webhooks ([webhooks]): where the conductor may deliver a project's notifications, how it keeps the
 * secrets it signs them with, and how it tries again.
 */
import { int, list, type GroupSpec } from '../option-spec';

export const webhooksOptions = {
  encryption_keys: list(
    'Keys (each at least 32 characters) from which the keys that encrypt the webhook secrets kept in the ' +
      'database are derived (HKDF-SHA256, AES-256-GCM). The first encrypts new secrets; every key decrypts, ' +
      'so a key can be rotated by putting the new one first and removing the old one once every webhook ' +
      'was created again. The conductor must keep each secret to sign the deliveries with it, which is why ' +
      'it is kept encrypted rather than hashed. Without a key, webhooks cannot be created.',
    [],
    { sensitive: true },
  ),
  allowed_private_networks: list(
    'Networks (CIDR) that are not public but that a webhook URL may still resolve to, for example ' +
      '10.0.0.0/8 for receivers inside the operator network. Otherwise only public unicast addresses are ' +
      'delivered to: loopback, private, link-local (such as a metadata service) and other special ranges ' +
      'are refused, when the webhook is created and again before each delivery.',
    [],
  ),
  max_attempts: int(
    'Attempts made to deliver one notification to one webhook before its delivery is marked failed.',
    8,
    1,
  ),
  retry_delay: int(
    'Seconds before the second attempt of a delivery; each further wait doubles, up to retry_max_delay, and ' +
      'is drawn between half and all of that (jitter), so receivers that failed together are not all ' +
      'called again at once.',
    2,
    1,
  ),
  retry_max_delay: int('Longest wait, in seconds, between two attempts of a delivery.', 600, 1),
  timeout: int('Seconds a webhook receiver has to answer a delivery (connection included).', 10, 1),
  scan_interval: int('Seconds between two looks of each conductor for deliveries that are due.', 1, 1),
  batch_size: int('Deliveries one conductor sends at once, at most.', 16, 1),
  max_per_project: int('Webhooks one project may have.', 20, 1),
} as const satisfies GroupSpec;
