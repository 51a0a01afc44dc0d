import type { RouterOutputs } from '@aura/api/client';
import { Badge } from '@mantine/core';
import { Fragment } from 'react';

export type SearchHit = RouterOutputs['search']['global']['items'][number];
export type TextSegment = SearchHit['snippet'][number];

/** Where a hit opens: the project (at the scene for a scene hit) or the templates page. */
export function hitHref(hit: SearchHit): string {
  switch (hit.kind) {
    case 'project':
      return `/projects/${encodeURIComponent(hit.id)}`;
    case 'scene':
      return `/projects/${encodeURIComponent(hit.projectId ?? '')}?tab=scenes&scene=${encodeURIComponent(hit.sceneId ?? hit.id)}`;
    case 'template':
      return `/templates?template=${encodeURIComponent(hit.id)}`;
    case 'customTemplate':
      return `/templates?custom=${encodeURIComponent(hit.id)}`;
  }
}

export const KIND_LABELS: Record<SearchHit['kind'], string> = {
  project: 'Project',
  scene: 'Scene',
  template: 'Template',
  customTemplate: 'Custom template',
};

// Dark shades under white text: at least 4.5:1 for the badge's small label.
const KIND_COLORS: Record<SearchHit['kind'], string> = {
  project: 'blue.9',
  scene: 'grape.9',
  template: 'teal.9',
  customTemplate: 'orange.9',
};

export function KindBadge({ kind }: { kind: SearchHit['kind'] }) {
  return (
    <Badge variant="filled" color={KIND_COLORS[kind]} size="sm" style={{ flexShrink: 0 }}>
      {KIND_LABELS[kind]}
    </Badge>
  );
}

/** Segments as text, the matches in <mark>: the server's text is never rendered as HTML. */
export function Highlighted({ segments }: { segments: TextSegment[] }) {
  return (
    <>
      {segments.map((segment, i) =>
        segment.match ? (
          <mark key={i} className="search-mark">
            {segment.text}
          </mark>
        ) : (
          <Fragment key={i}>{segment.text}</Fragment>
        ),
      )}
    </>
  );
}
