'use client';

import { Group } from '@mantine/core';
import { GlobalSearch } from '@/components/search/GlobalSearch';
import { UndoRedo } from './UndoRedo';

/**
 * The header's global tools (search, undo/redo), on every signed-in page. Each tool is its own
 * component; this only places them.
 */
export function HeaderActions() {
  return (
    <Group gap="xs" wrap="nowrap">
      <GlobalSearch />
      <UndoRedo />
    </Group>
  );
}
