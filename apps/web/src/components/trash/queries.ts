/** Query inputs shared by the server prefetch and the client components (no 'use client' here). */

export const TRASH_PAGE = { limit: 50 };
export const nextTrashCursor = (page: { nextCursor: string | null }) =>
  page.nextCursor ?? undefined;
