'use client';

import { Button, Card, Grid, Select, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '@/lib/errors';
import { useTRPC } from '@/trpc/react';
import { fileName } from './ExportsTable';

/** A name that is safe as a file name: letters, digits, dashes. */
function slug(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'export'
  );
}

/** "2026-11-30-2359": a stamp that keeps default output names apart. */
function stamp(): string {
  return new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
}

/**
 * Queues an export: a project, one of its asset files, a preset, and the output's name inside
 * the output folder. `projectId` fixes the project (the project page's tab).
 */
export function EnqueueExportForm({ projectId: fixedProject }: { projectId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [chosenProject, setChosenProject] = useState<string | null>(null);
  const projectId = fixedProject ?? chosenProject;
  const [assetId, setAssetId] = useState<string | null>(null);
  const [presetName, setPresetName] = useState<string | null>(null);
  const [outputFile, setOutputFile] = useState('');
  const [touchedOutput, setTouchedOutput] = useState(false);

  const projects = useQuery({
    ...trpc.projects.list.queryOptions({ limit: 100, sort: 'updated' }),
    enabled: !fixedProject,
  });
  const assets = useQuery({
    ...trpc.assets.list.queryOptions({ projectId: projectId ?? '', limit: 100 }),
    enabled: Boolean(projectId),
  });
  const presets = useQuery(trpc.exports.presets.queryOptions());
  const enqueue = useMutation(
    trpc.exports.enqueue.mutationOptions({
      onSuccess: (row) => {
        notifications.show({
          color: 'green',
          title: 'Export queued',
          message: `${fileName(row.outputFile)} is waiting for the worker`,
        });
        setTouchedOutput(false);
        setOutputFile('');
        void queryClient.invalidateQueries({ queryKey: trpc.exports.pathKey() });
      },
      onError: (error) => {
        notifications.show({ color: 'red', title: 'Not queued', message: errorMessage(error) });
      },
    }),
  );

  const assetItems = assets.data?.items ?? [];
  const asset = assetItems.find((item) => item.id === assetId);
  const preset = presets.data?.find((item) => item.name === presetName);
  const projectTitle =
    projects.data?.items.find((item) => item.id === projectId)?.title ?? 'project';
  const suggested =
    asset && preset
      ? `${slug(fileName(asset.filePath).replace(/\.[^.]*$/, '') || projectTitle)}-${slug(preset.name)}-${stamp()}${preset.extension}`
      : '';
  const output = touchedOutput ? outputFile : suggested;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!asset || !preset || !output.trim()) return;
    enqueue.mutate({ presetName: preset.name, inputFile: asset.filePath, outputFile: output });
  };

  return (
    <Card withBorder padding="md" component="section" aria-labelledby="enqueue-title">
      <Title order={2} size="h4" id="enqueue-title" mb="xs">
        New export
      </Title>
      <form onSubmit={submit} aria-label="New export">
        <Grid gutter="sm" align="flex-end">
          {!fixedProject && (
            <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
              <Select
                label="Project"
                placeholder={projects.isPending ? 'Loading…' : 'Choose a project'}
                data={(projects.data?.items ?? []).map((item) => ({
                  value: item.id,
                  label: item.title,
                }))}
                value={chosenProject}
                onChange={(value) => {
                  setChosenProject(value);
                  setAssetId(null);
                }}
                searchable
                nothingFoundMessage="No project"
                data-testid="enqueue-project"
              />
            </Grid.Col>
          )}
          <Grid.Col span={{ base: 12, sm: 6, lg: fixedProject ? 4 : 3 }}>
            <Select
              label="Input file"
              description={
                projectId && !assets.isPending && assetItems.length === 0
                  ? 'This project has no assets'
                  : undefined
              }
              placeholder={projectId ? 'Choose one of its assets' : 'Choose a project first'}
              disabled={!projectId}
              data={assetItems.map((item) => ({
                value: item.id,
                label: `${fileName(item.filePath)} (${item.assetType})`,
              }))}
              value={assetId}
              onChange={setAssetId}
              searchable
              nothingFoundMessage="No asset"
              data-testid="enqueue-asset"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, lg: fixedProject ? 3 : 2 }}>
            <Select
              label="Preset"
              placeholder="Choose a preset"
              data={(presets.data ?? []).map((item) => ({ value: item.name, label: item.label }))}
              value={presetName}
              onChange={setPresetName}
              searchable
              data-testid="enqueue-preset"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, sm: 6, lg: 3 }}>
            <TextInput
              label="Output file"
              description="Inside the output folder"
              value={output}
              onChange={(event) => {
                setTouchedOutput(true);
                setOutputFile(event.currentTarget.value);
              }}
              maxLength={255}
              data-testid="enqueue-output"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: fixedProject ? 2 : 1 }}>
            <Button
              type="submit"
              fullWidth
              loading={enqueue.isPending}
              disabled={!asset || !preset || !output.trim()}
            >
              Queue
            </Button>
          </Grid.Col>
        </Grid>
      </form>
      {preset && (
        <Text size="xs" c="dimmed" mt="xs">
          {preset.label}:{' '}
          {[preset.resolution, preset.codec, preset.container].filter(Boolean).join(' · ')}
        </Text>
      )}
    </Card>
  );
}
