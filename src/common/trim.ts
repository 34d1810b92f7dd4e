/**
 * String trims that run in linear time on any input. A regular expression such as `/\/+$/` looks
 * harmless but is retried from every slash of a long run that does not end the string: a catalog URL
 * made of millions of slashes then takes minutes. These walk the string once.
 */

/** `text` without the slashes that end it. */
export function trimTrailingSlashes(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x2f) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}

/** A service's base URL: trailing slashes, then a trailing `/<version>` segment (e.g. `/v3`), removed. */
export function withoutVersionSuffix(url: string, version: string): string {
  const trimmed = trimTrailingSlashes(url);
  return trimmed.endsWith(`/${version}`) ? trimmed.slice(0, -version.length - 1) : trimmed;
}
