import { parseAsArrayOf, parseAsString, parseAsStringLiteral } from 'nuqs/server';
import { TEMPLATES_PAGE_LIMIT } from './limits';

/**
 * The templates page's URL state: the gallery's filters, and which template's preview is open.
 * Shared by the server page (prefetch) and the client (nuqs), so both ask for the same query.
 */
export const galleryParsers = {
  q: parseAsString.withDefault(''),
  category: parseAsString,
  sub: parseAsString,
  tags: parseAsArrayOf(parseAsString).withDefault([]),
  kind: parseAsStringLiteral(['all', 'system', 'community'] as const).withDefault('all'),
};

export interface GalleryFilters {
  q: string;
  category: string | null;
  sub: string | null;
  tags: string[];
  kind: 'all' | 'system' | 'community';
}

/** templates.list's input for the filters (undefined fields left out, as the cache key needs). */
export function galleryInput(filters: GalleryFilters) {
  const search = filters.q.trim().slice(0, 200);
  const tags = filters.tags.filter((t) => t.trim() && !t.includes(',')).slice(0, 20);
  return {
    limit: TEMPLATES_PAGE_LIMIT,
    ...(search && { search }),
    ...(filters.category && { category: filters.category }),
    ...(filters.sub && { subCategory: filters.sub }),
    ...(tags.length > 0 && { tags }),
    ...(filters.kind === 'system' && { isSystem: true }),
    ...(filters.kind === 'community' && { isCommunity: true }),
  };
}
