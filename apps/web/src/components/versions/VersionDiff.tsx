'use client';

import type { RouterOutputs } from '@aura/api/client';
import {
  Alert,
  Badge,
  Card,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { diffWords } from 'diff';
import { useState } from 'react';
import { useTRPC } from '@/trpc/react';
import classes from './versions.module.css';
import { errorMessage } from '@/lib/errors';

type Diff = RouterOutputs['versions']['diff'];
type Row = Diff['scenes']['rows'][number];
type Scene = NonNullable<Row['before']>['scene'];
type Change = Diff['documents']['brief'][number];

const DOCUMENT_LABELS: Record<keyof Diff['documents'], string> = {
  brief: 'Brief',
  plan: 'Plan',
  voice: 'Voice',
  render: 'Render',
};

const STATUS_COLOR: Record<Row['status'], string> = {
  added: 'green',
  removed: 'red',
  changed: 'yellow',
  unchanged: 'gray',
};

export function versionLabel(v: { versionNumber: number; name: string | null } | null): string {
  if (!v) return 'Now';
  return v.name ? `Version ${v.versionNumber} “${v.name}”` : `Version ${v.versionNumber}`;
}

function showValue(value: unknown): string {
  if (value === undefined) return '—';
  const text = JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** Path changes of one document or scene: where, what kind, before and after. */
function ChangeTable({
  changes,
  prefix,
  caption,
}: {
  changes: Change[];
  prefix: string;
  caption: string;
}) {
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table striped withTableBorder verticalSpacing={4} fz="sm">
        <caption className="visually-hidden">{caption}</caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Field</Table.Th>
            <Table.Th scope="col">Change</Table.Th>
            <Table.Th scope="col">Before</Table.Th>
            <Table.Th scope="col">After</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {changes.map((change) => (
            <Table.Tr key={change.path}>
              <Table.Td>
                <code>{`${prefix}${change.path}`}</code>
              </Table.Td>
              <Table.Td>{change.kind}</Table.Td>
              <Table.Td className={classes.value}>{showValue(change.old)}</Table.Td>
              <Table.Td className={classes.value}>{showValue(change.new)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Script text with the words that differ from the other side marked. */
function ScriptWords({
  before,
  after,
  side,
}: {
  before: string;
  after: string;
  side: 'before' | 'after';
}) {
  const parts = diffWords(before, after);
  return (
    <Text size="sm" className={classes.script}>
      {parts.map((part, i) => {
        if (part.added) return side === 'after' ? <ins key={i}>{part.value}</ins> : null;
        if (part.removed) return side === 'before' ? <del key={i}>{part.value}</del> : null;
        return <span key={i}>{part.value}</span>;
      })}
    </Text>
  );
}

function sceneFacts(scene: Scene): string {
  const facts = [
    `${scene.durationSeconds} s`,
    scene.isCompleted ? 'completed' : null,
    scene.audioFilePath ? `audio ${scene.audioFilePath}` : null,
    scene.imageFilePath ? `image ${scene.imageFilePath}` : null,
  ].filter(Boolean);
  return facts.join(' · ');
}

function SceneCell({ row, side, label }: { row: Row; side: 'before' | 'after'; label: string }) {
  const mine = row[side];
  const other = side === 'before' ? row.after : row.before;
  if (!mine)
    return (
      <div className={`${classes.cell} ${classes.empty}`}>
        <Text size="sm" c="dimmed">
          {`Not in ${label}`}
        </Text>
      </div>
    );
  const changedText = other !== null && other.scene.scriptText !== mine.scene.scriptText;
  return (
    <div
      className={`${classes.cell} ${row.status === 'removed' ? classes.removed : row.status === 'added' ? classes.added : ''}`}
    >
      <Text size="xs" c="dimmed" fw={600}>
        {label} · scene {mine.index + 1}
      </Text>
      {changedText ? (
        <ScriptWords
          before={row.before?.scene.scriptText ?? ''}
          after={row.after?.scene.scriptText ?? ''}
          side={side}
        />
      ) : (
        <Text size="sm" className={classes.script}>
          {mine.scene.scriptText || <em>(no script)</em>}
        </Text>
      )}
      {sceneFacts(mine.scene) && (
        <Text size="xs" c="dimmed">
          {sceneFacts(mine.scene)}
        </Text>
      )}
    </div>
  );
}

function SceneRowView({
  row,
  diff,
  fromLabel,
  toLabel,
}: {
  row: Row;
  diff: Diff;
  fromLabel: string;
  toLabel: string;
}) {
  const fieldChanges = diff.scenes.changed
    .find((c) => c.id === row.id)
    ?.changes.filter((c) => c.path !== '/scriptText');
  return (
    <Card
      withBorder
      padding="xs"
      data-testid="scene-row"
      data-status={row.status}
      data-moved={row.moved}
    >
      <Group gap="xs" mb={6}>
        <Badge color={STATUS_COLOR[row.status]} variant="light" c="dark.8">
          {row.status}
        </Badge>
        {row.moved && row.before && row.after && (
          <Badge color="indigo" variant="light" c="dark.8">
            moved from {row.before.index + 1} to {row.after.index + 1}
          </Badge>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
        <SceneCell row={row} side="before" label={fromLabel} />
        <SceneCell row={row} side="after" label={toLabel} />
      </SimpleGrid>
      {fieldChanges && fieldChanges.length > 0 && (
        <ChangeTable changes={fieldChanges} prefix="scene" caption="Other fields of this scene" />
      )}
    </Card>
  );
}

/** Two versions, or a version and now, side by side: specs as paths, scenes one by one. */
export function VersionDiff({ fromId, toId }: { fromId: string; toId: string | null }) {
  const trpc = useTRPC();
  const [showUnchanged, setShowUnchanged] = useState(false);
  const query = useQuery(
    trpc.versions.diff.queryOptions(
      toId ? { fromVersionId: fromId, toVersionId: toId } : { fromVersionId: fromId },
    ),
  );
  if (query.isPending)
    return (
      <Group gap="xs" role="status">
        <Loader size="sm" /> <Text size="sm">Comparing…</Text>
      </Group>
    );
  if (query.isError)
    return (
      <Alert color="red" title="Cannot compare" role="alert">
        {errorMessage(query.error)}
      </Alert>
    );
  const diff = query.data;
  const fromLabel = versionLabel(diff.from);
  const toLabel = versionLabel(diff.to);
  const { scenes } = diff;
  const documents = (Object.keys(DOCUMENT_LABELS) as (keyof Diff['documents'])[]).filter(
    (key) => diff.documents[key].length > 0,
  );
  const rows = showUnchanged
    ? scenes.rows
    : scenes.rows.filter((r) => r.status !== 'unchanged' || r.moved);
  return (
    <Stack gap="sm" data-testid="version-diff">
      <Title order={3} size="h4">
        {fromLabel} → {toLabel}
      </Title>
      {diff.identical ? (
        <Text>
          No differences: {toLabel.toLowerCase() === 'now' ? 'the project is' : 'both are'} exactly
          as in {fromLabel}.
        </Text>
      ) : (
        <Group gap="xs" aria-label="Summary of the differences">
          <Badge color="green" variant="light" c="dark.8">
            {scenes.added.length} added
          </Badge>
          <Badge color="red" variant="light" c="dark.8">
            {scenes.removed.length} removed
          </Badge>
          <Badge color="yellow" variant="light" c="dark.8">
            {scenes.changed.length} changed
          </Badge>
          <Badge color="indigo" variant="light" c="dark.8">
            {scenes.moved.length} moved
          </Badge>
          <Badge color="gray" variant="light" c="dark.8">
            {documents.reduce((n, key) => n + diff.documents[key].length, 0)} spec fields
          </Badge>
        </Group>
      )}
      {documents.map((key) => (
        <div key={key}>
          <Title order={4} size="h5" mb={4}>
            {DOCUMENT_LABELS[key]} spec
          </Title>
          <ChangeTable
            changes={diff.documents[key]}
            prefix={key}
            caption={`${DOCUMENT_LABELS[key]} spec changes`}
          />
        </div>
      ))}
      <Group justify="space-between" wrap="wrap">
        <Title order={4} size="h5">
          Scenes
        </Title>
        <Switch
          label="Show unchanged scenes"
          checked={showUnchanged}
          onChange={(e) => setShowUnchanged(e.currentTarget.checked)}
        />
      </Group>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No scene differs.
        </Text>
      ) : (
        rows.map((row) => (
          <SceneRowView
            key={row.id}
            row={row}
            diff={diff}
            fromLabel={fromLabel}
            toLabel={toLabel}
          />
        ))
      )}
    </Stack>
  );
}
