import { z } from 'zod';
import { SEARCH_MAX } from '../limits';

export const SEARCH_GLOBAL_DEFAULT_LIMIT = 20;
export const SEARCH_GLOBAL_MAX_LIMIT = 50;

/**
 * Input of search.global: the search box's text (its words must all occur, each as a substring,
 * ignoring case and diacritics) and how many hits to return.
 */
export const searchGlobalInput = z.object({
  q: z.string().max(SEARCH_MAX).trim(),
  limit: z.number().int().min(1).max(SEARCH_GLOBAL_MAX_LIMIT).default(SEARCH_GLOBAL_DEFAULT_LIMIT),
});

export type SearchGlobalInput = z.input<typeof searchGlobalInput>;
export type SearchGlobalQuery = z.output<typeof searchGlobalInput>;
