'use client';

import { ActionIcon, Combobox, Group, Loader, Text, TextInput, useCombobox } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTRPC } from '@/trpc/react';
import { Highlighted, KindBadge, hitHref, type SearchHit } from './hits';

/** Hits shown in the header's dropdown; the results page shows more. */
const DROPDOWN_LIMIT = 8;
/** The API's maximum search length. */
const QUERY_MAX = 200;

function SearchGlyph() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        d="M11 19a8 8 0 1 1 0-16 8 8 0 0 1 0 16Zm10 2-4.35-4.35"
      />
    </svg>
  );
}

/**
 * The header's search box: projects, scenes, templates and custom templates as you type (the
 * matches highlighted), Enter on a hit opens it, Enter without one opens the results page. On a
 * phone the header has room for a button to the results page only.
 */
export function GlobalSearch() {
  const trpc = useTRPC();
  const router = useRouter();
  const [value, setValue] = useState('');
  const [debounced] = useDebouncedValue(value.trim(), 200);
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const enabled = debounced.length > 0;
  const search = useQuery({
    ...trpc.search.global.queryOptions({ q: debounced, limit: DROPDOWN_LIMIT }),
    enabled,
    placeholderData: (previous) => previous,
  });
  const hits: SearchHit[] = enabled ? (search.data?.items ?? []) : [];

  const open = (href: string) => {
    combobox.closeDropdown();
    router.push(href);
  };
  const openResults = () => {
    const q = value.trim();
    if (q) open(`/search?q=${encodeURIComponent(q)}`);
  };

  return (
    <>
      <Combobox
        store={combobox}
        onOptionSubmit={(key) => {
          if (key === '__all__') openResults();
          else {
            const hit = hits.find((h) => `${h.kind}:${h.id}` === key);
            if (hit) open(hitHref(hit));
          }
        }}
        width={420}
        position="bottom-end"
      >
        <Combobox.Target>
          <TextInput
            visibleFrom="sm"
            w={260}
            size="sm"
            type="search"
            aria-label="Search projects, scenes and templates"
            placeholder="Search…"
            maxLength={QUERY_MAX}
            leftSection={<SearchGlyph />}
            rightSection={search.isFetching && enabled ? <Loader size="xs" /> : null}
            value={value}
            onChange={(event) => {
              setValue(event.currentTarget.value);
              combobox.openDropdown();
              combobox.updateSelectedOptionIndex();
            }}
            onFocus={() => {
              if (value.trim()) combobox.openDropdown();
            }}
            onBlur={() => combobox.closeDropdown()}
            onKeyDown={(event) => {
              // Enter with no hit selected: every result on the results page.
              if (event.key === 'Enter' && combobox.getSelectedOptionIndex() === -1) {
                event.preventDefault();
                openResults();
              }
            }}
          />
        </Combobox.Target>
        <Combobox.Dropdown hidden={!enabled}>
          <Combobox.Options aria-label="Search results" mah={440} style={{ overflowY: 'auto' }}>
            {hits.map((hit) => (
              <Combobox.Option key={`${hit.kind}:${hit.id}`} value={`${hit.kind}:${hit.id}`}>
                <Group gap="xs" wrap="nowrap" align="flex-start">
                  <KindBadge kind={hit.kind} />
                  <div style={{ minWidth: 0 }}>
                    <Text size="sm" fw={600} lineClamp={1}>
                      <Highlighted segments={hit.titleSegments} />
                    </Text>
                    {hit.snippet.length > 0 ? (
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        <Highlighted segments={hit.snippet} />
                      </Text>
                    ) : null}
                  </div>
                </Group>
              </Combobox.Option>
            ))}
            {enabled && !search.isFetching && hits.length === 0 ? (
              <Combobox.Empty>Nothing found for “{debounced}”</Combobox.Empty>
            ) : null}
            {enabled ? (
              <Combobox.Option value="__all__">
                <Text size="sm" c="blue.8">
                  All results for “{debounced}”
                </Text>
              </Combobox.Option>
            ) : null}
          </Combobox.Options>
        </Combobox.Dropdown>
      </Combobox>
      <ActionIcon
        hiddenFrom="sm"
        component={Link}
        href="/search"
        variant="subtle"
        size="lg"
        aria-label="Search"
      >
        <SearchGlyph />
      </ActionIcon>
    </>
  );
}
