/**
 * The endpoint overrides a driver's config group may set (a stand-in, a private endpoint): each an
 * http(s) URL without credentials, query or fragment. Refused with the group and option named.
 */
export function checkEndpointOptions(
  group: string,
  own: Record<string, unknown>,
  keys: readonly string[],
): void {
  for (const key of keys) {
    const value = own[key];
    if (typeof value !== 'string' || !value) continue;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new Error(`[${group}] ${key}: ${value} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`[${group}] ${key}: expected an http or https URL`);
    }
    if (parsed.username || parsed.password) throw new Error(`[${group}] ${key}: a URL with credentials`);
    if (parsed.search || parsed.hash) throw new Error(`[${group}] ${key}: a URL with a query or fragment`);
  }
}
