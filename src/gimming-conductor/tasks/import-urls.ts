/**
 * The URLs of the import tasks of this conductor, by task: kept in memory only (a URL may carry a
 * signature or a token in its query), put there by the image service and taken by the import task.
 */
export const pendingImportUrls = new Map<string, string>();
