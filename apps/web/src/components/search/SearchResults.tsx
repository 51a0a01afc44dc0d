'use client';

import { Alert, Anchor, Card, Group, Loader, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { parseAsString, useQueryState } from 'nuqs';
import { useEffect, useState } from 'react';
import { useTRPC } from '@/trpc/react';
import { Highlighted, KindBadge, hitHref } from './hits';

/** Hits on the results page (the API's maximum). */
export const RESULTS_LIMIT = 50;

/** The results page: the query in the URL (?q=), every kind of hit, best first. */
export function SearchResults() {
  const trpc = useTRPC();
  const [q, setQ] = useQueryState('q', parseAsString.withDefault(''));
  const [draft, setDraft] = useState(q);
  const [debounced] = useDebouncedValue(draft, 250);
  useEffect(() => {
    if (debounced.trim() !== q) void setQ(debounced.trim() || null);
  }, [debounced, q, setQ]);

  const term = q.trim();
  const search = useQuery({
    ...trpc.search.global.queryOptions({ q: term, limit: RESULTS_LIMIT }),
    enabled: term.length > 0,
    placeholderData: (previous) => previous,
  });
  const items = term ? (search.data?.items ?? []) : [];

  return (
    <Stack gap="md">
      <TextInput
        type="search"
        label="Search terms"
        description="Every word must occur (as part of a word); case and accents are ignored."
        value={draft}
        maxLength={200}
        onChange={(event) => setDraft(event.currentTarget.value)}
        rightSection={search.isFetching ? <Loader size="xs" /> : null}
        maw={560}
      />
      {search.error ? (
        <Alert color="red" title="The search failed" role="alert">
          {search.error.message}
        </Alert>
      ) : null}
      {term && search.data && !search.data.indexed ? (
        <Text size="sm" c="dimmed">
          Words shorter than three letters are matched in titles, descriptions and tags only, not in
          scene scripts.
        </Text>
      ) : null}
      {term && search.data ? (
        <Text size="sm" aria-live="polite">
          {items.length === 0
            ? `Nothing found for “${term}”.`
            : `${items.length}${items.length === RESULTS_LIMIT ? '+' : ''} result${items.length === 1 ? '' : 's'} for “${term}”`}
        </Text>
      ) : null}
      {!term ? <Text c="dimmed">Type a word to search.</Text> : null}
      <Stack gap="xs" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {items.map((hit) => (
          <li key={`${hit.kind}:${hit.id}`}>
            <Card withBorder padding="sm" data-testid="search-hit">
              <Group gap="xs" wrap="nowrap" align="flex-start">
                <KindBadge kind={hit.kind} />
                <div style={{ minWidth: 0 }}>
                  <Anchor component={Link} href={hitHref(hit)} fw={600}>
                    <Highlighted segments={hit.titleSegments} />
                  </Anchor>
                  {hit.snippet.length > 0 ? (
                    <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                      <Highlighted segments={hit.snippet} />
                    </Text>
                  ) : null}
                </div>
              </Group>
            </Card>
          </li>
        ))}
      </Stack>
    </Stack>
  );
}
