'use client';

import type { RouterOutputs } from '@aura/api/client';
import { Tabs } from '@mantine/core';
import { ToneBadge } from '@/components/projects/ui';
import { parseAsString, useQueryState } from 'nuqs';
import type { ReactNode } from 'react';
import { ActivityTab } from './ActivityTab';
import { AssetsTab } from './AssetsTab';
import { CheckpointsTab } from './CheckpointsTab';
import { ScenesTab } from './ScenesTab';
import { VersionsTab } from './VersionsTab';
import { ExportsTab } from './ExportsTab';

export type ProjectDetail = RouterOutputs['projects']['get'];

interface ProjectTab {
  value: string;
  label: string;
  count?: (project: ProjectDetail) => number;
  panel: (project: ProjectDetail) => ReactNode;
}

/**
 * The project page's tabs, in order; the open one is `?tab=` in the URL. Each tab is its own
 * component taking the project (or its id); add a tab by adding an entry here.
 */
const TABS: ProjectTab[] = [
  {
    value: 'scenes',
    label: 'Scenes',
    count: (p) => p.scenes.length,
    panel: (p) => <ScenesTab project={p} />,
  },
  {
    value: 'assets',
    label: 'Assets',
    count: (p) => p.assets.length,
    panel: (p) => <AssetsTab project={p} />,
  },
  {
    value: 'checkpoints',
    label: 'Checkpoints',
    count: (p) => p.checkpoints.length,
    panel: (p) => <CheckpointsTab project={p} />,
  },
  { value: 'versions', label: 'Versions', panel: (p) => <VersionsTab projectId={p.id} /> },
  { value: 'exports', label: 'Exports', panel: (p) => <ExportsTab projectId={p.id} /> },
  { value: 'activity', label: 'Activity', panel: (p) => <ActivityTab projectId={p.id} /> },
];

export const PROJECT_TABS = TABS.map((tab) => tab.value);

export function ProjectTabs({ project }: { project: ProjectDetail }) {
  const [tab, setTab] = useQueryState(
    'tab',
    parseAsString.withDefault('scenes').withOptions({ history: 'push' }),
  );
  const current = TABS.some((t) => t.value === tab) ? tab : 'scenes';
  return (
    <Tabs
      value={current}
      onChange={(value) => void setTab(value === 'scenes' ? null : value)}
      keepMounted={false}
    >
      <Tabs.List style={{ flexWrap: 'wrap' }}>
        {TABS.map((t) => (
          <Tabs.Tab
            key={t.value}
            value={t.value}
            rightSection={
              t.count ? (
                <ToneBadge size="sm" color="gray" aria-hidden>
                  {t.count(project)}
                </ToneBadge>
              ) : undefined
            }
          >
            {t.label}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {TABS.map((t) => (
        <Tabs.Panel key={t.value} value={t.value} pt="md">
          {t.panel(project)}
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}
