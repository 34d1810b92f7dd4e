/**
 * GCE's rule for the names of its resources (an image, an image family): RFC 1035, 1 to 63 characters,
 * lowercase letters, digits and hyphens, beginning with a letter and not ending with a hyphen. One
 * definition for the conductor (a gcp cloud's default family, checked at registration) and the agent's
 * gcp driver (the names it gives images, the family a property asks for).
 */
export const GCE_NAME_RE = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
