/** Query inputs shared by the server prefetch and the client components (no 'use client' here). */

export const VERSIONS_PAGE = 50;
export const versionListInput = (projectId: string) => ({ projectId, limit: VERSIONS_PAGE });
export const nextVersionCursor = (page: { nextCursor: string | null }) =>
  page.nextCursor ?? undefined;
