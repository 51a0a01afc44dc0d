import { defaultShouldDehydrateQuery, QueryClient } from '@tanstack/react-query';

/** Shared by the server (prefetch + dehydrate) and the browser (hydrate). */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Server-prefetched data is fresh on arrival: no immediate refetch after hydration.
        staleTime: 30_000,
      },
      // The API's data is plain JSON: it crosses from server to browser as it is.
      dehydrate: {
        shouldDehydrateQuery: (query) =>
          defaultShouldDehydrateQuery(query) || query.state.status === 'pending',
      },
    },
  });
}
