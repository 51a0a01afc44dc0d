'use client';

import type { RouterOutputs } from '@aura/api/client';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  MultiSelect,
  Rating,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useQueryState, useQueryStates } from 'nuqs';
import { useMemo, useState, type FormEvent } from 'react';
import { canEdit, usePrincipal } from '@/components/shell/principal';
import { useTRPC } from '@/trpc/react';
import { errorText, fieldError, JsonBlock, notifyDone, QueryState, TONE } from './feedback';
import { TEMPLATES_PAGE_LIMIT } from './limits';
import { galleryInput, galleryParsers } from './template-params';

type TemplateItem = RouterOutputs['templates']['list']['items'][number];

/** System and community templates: filters and search in the URL, cards, a preview per template. */
export function TemplatesGallery() {
  const trpc = useTRPC();
  const [filters, setFilters] = useQueryStates(galleryParsers);
  const [openId, setOpenId] = useQueryState('template');
  const all = useQuery(trpc.templates.list.queryOptions({ limit: TEMPLATES_PAGE_LIMIT }));
  const list = useQuery(trpc.templates.list.queryOptions(galleryInput(filters)));
  const [search, setSearch] = useState(filters.q);

  const choices = useMemo(() => {
    const items = all.data?.items ?? [];
    const uniq = (values: string[]) => [...new Set(values.filter(Boolean))].sort();
    return {
      categories: uniq(items.map((t) => t.category)),
      subCategories: uniq(
        items
          .filter((t) => !filters.category || t.category === filters.category)
          .map((t) => t.subCategory),
      ),
      tags: uniq(items.flatMap((t) => t.tags)),
    };
  }, [all.data, filters.category]);

  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    void setFilters({ q: search.trim() || null });
  };
  const filtered =
    filters.q || filters.category || filters.sub || filters.tags.length || filters.kind !== 'all';

  return (
    <Stack gap="md">
      <Card withBorder>
        <Stack gap="sm">
          <form onSubmit={submitSearch} role="search">
            <Group align="flex-end" gap="xs" wrap="nowrap">
              <TextInput
                label="Search templates"
                placeholder="Name or description"
                value={search}
                onChange={(e) => setSearch(e.currentTarget.value)}
                style={{ flex: 1 }}
                maxLength={200}
              />
              <Button type="submit" variant="light">
                Search
              </Button>
            </Group>
          </form>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <Select
              label="Category"
              placeholder="Any"
              data={choices.categories}
              value={filters.category}
              onChange={(category) => void setFilters({ category, sub: null })}
              clearable
              w={{ base: '100%', xs: 200 }}
            />
            <Select
              label="Sub-category"
              placeholder="Any"
              data={choices.subCategories}
              value={filters.sub}
              onChange={(sub) => void setFilters({ sub })}
              clearable
              w={{ base: '100%', xs: 200 }}
            />
            <MultiSelect
              label="Tags"
              placeholder={filters.tags.length ? undefined : 'Any'}
              data={choices.tags}
              value={filters.tags}
              onChange={(tags) => void setFilters({ tags: tags.length ? tags : null })}
              clearable
              searchable
              w={{ base: '100%', xs: 260 }}
            />
            <div>
              <Text size="sm" fw={500} mb={4} id="kind-label">
                Source
              </Text>
              <SegmentedControl
                aria-labelledby="kind-label"
                data={[
                  { value: 'all', label: 'All' },
                  { value: 'system', label: 'System' },
                  { value: 'community', label: 'Community' },
                ]}
                value={filters.kind}
                onChange={(kind) =>
                  void setFilters({
                    kind: kind === 'all' ? null : (kind as 'system' | 'community'),
                  })
                }
              />
            </div>
            {filtered ? (
              <Button
                variant="subtle"
                onClick={() => {
                  setSearch('');
                  void setFilters({ q: null, category: null, sub: null, tags: null, kind: null });
                }}
              >
                Clear filters
              </Button>
            ) : null}
          </Group>
        </Stack>
      </Card>
      <QueryState isPending={list.isPending} error={list.error} label="the templates">
        {list.data?.items.length ? (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
            {list.data.items.map((template) => (
              <TemplateCard
                key={template.id}
                template={template}
                onOpen={() => void setOpenId(template.id)}
              />
            ))}
          </SimpleGrid>
        ) : (
          <Text c="dimmed">No template matches these filters.</Text>
        )}
      </QueryState>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={openId !== null}
        onClose={() => void setOpenId(null)}
        title="Template preview"
        size="xl"
      >
        {openId ? <TemplatePreview id={openId} /> : null}
      </Modal>
    </Stack>
  );
}

function TemplateCard({ template, onOpen }: { template: TemplateItem; onOpen: () => void }) {
  return (
    <Card withBorder component="article" aria-labelledby={`tpl-${template.id}`}>
      <Stack gap={6} h="100%">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Title order={3} size="h4" id={`tpl-${template.id}`}>
            {template.name}
          </Title>
          <Badge
            variant="filled"
            color={template.isSystemTemplate ? TONE.info : TONE.teal}
            style={{ flexShrink: 0 }}
          >
            {template.isSystemTemplate ? 'System' : 'Community'}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {template.category}
          {template.subCategory ? ` · ${template.subCategory}` : ''}
        </Text>
        <Text size="sm" lineClamp={3} style={{ flex: 1 }}>
          {template.description}
        </Text>
        <Group gap={4}>
          {template.tags.map((tag) => (
            <Badge key={tag} size="sm" variant="outline" color={TONE.muted}>
              {tag}
            </Badge>
          ))}
        </Group>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap={6}>
            <Rating value={template.rating} fractions={2} readOnly size="sm" aria-hidden />
            <Text size="sm">
              {template.ratingCount > 0
                ? `${template.rating.toFixed(1)} (${template.ratingCount})`
                : 'No ratings'}
            </Text>
          </Group>
          <Text size="sm">Used {template.usageCount}×</Text>
        </Group>
        <Button variant="light" onClick={onOpen} aria-label={`Preview ${template.name}`}>
          Preview
        </Button>
      </Stack>
    </Card>
  );
}

function TemplatePreview({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = usePrincipal();
  const detail = useQuery(trpc.templates.get.queryOptions({ id }));
  const rate = useMutation(
    trpc.templates.rate.mutationOptions({
      onSuccess: (result) => {
        notifyDone(`Rated ${result.myRating} of 5`);
        void queryClient.invalidateQueries({ queryKey: trpc.templates.pathKey() });
      },
    }),
  );
  const t = detail.data;
  return (
    <QueryState isPending={detail.isPending} error={detail.error} label="the template">
      {t ? (
        <Stack gap="sm">
          <Title order={2} size="h3">
            {t.name}
          </Title>
          <Text size="sm" c="dimmed">
            {t.category}
            {t.subCategory ? ` · ${t.subCategory}` : ''} · by {t.author} · used {t.usageCount}×
          </Text>
          <Text size="sm">{t.description}</Text>
          <Group gap="md" wrap="wrap">
            <Group gap={6}>
              <Text size="sm">Average</Text>
              <Rating value={t.rating} fractions={2} readOnly size="sm" aria-hidden />
              <Text size="sm">
                {t.ratingCount > 0 ? `${t.rating.toFixed(1)} (${t.ratingCount})` : 'No ratings'}
              </Text>
            </Group>
            <Group gap={6}>
              <Text size="sm" id="my-rating-label">
                Your rating
              </Text>
              {canEdit(me.role) ? (
                <Rating
                  value={t.myRating ?? 0}
                  onChange={(rating) => rate.mutate({ templateId: t.id, rating })}
                  aria-labelledby="my-rating-label"
                  readOnly={rate.isPending}
                />
              ) : (
                <Text size="sm" c="dimmed">
                  {t.myRating ?? 'none'} (viewers cannot rate)
                </Text>
              )}
              {t.myRating ? (
                <Text size="sm" data-testid="my-rating">
                  {t.myRating} of 5
                </Text>
              ) : null}
            </Group>
          </Group>
          {rate.error ? (
            <Text size="sm" c={TONE.danger} role="alert">
              {errorText(rate.error)}
            </Text>
          ) : null}
          <Title order={3} size="h5">
            What a project starts with
          </Title>
          <JsonBlock value={t.templateData} label="Template data" testId="template-data" />
          {canEdit(me.role) ? (
            <CreateProjectForm
              source={{ kind: 'template', id: t.id }}
              defaultTitle={`${t.name} project`}
            />
          ) : (
            <Text size="sm" c="dimmed">
              Viewers cannot create projects.
            </Text>
          )}
        </Stack>
      ) : null}
    </QueryState>
  );
}

/** A title and "Create project" for a template or a custom template. */
export function CreateProjectForm({
  source,
  defaultTitle,
}: {
  source: { kind: 'template' | 'custom'; id: string };
  defaultTitle: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [title, setTitle] = useState(defaultTitle);
  const onSuccess = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.projects.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.templates.pathKey() });
  };
  const fromTemplate = useMutation(trpc.templates.createProject.mutationOptions({ onSuccess }));
  const fromCustom = useMutation(trpc.customTemplates.createProject.mutationOptions({ onSuccess }));
  const mutation = source.kind === 'template' ? fromTemplate : fromCustom;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (source.kind === 'template') fromTemplate.mutate({ templateId: source.id, title });
    else fromCustom.mutate({ customTemplateId: source.id, title });
  };
  const titleError = fieldError(mutation.error, 'title', 'The title');
  const created = mutation.data;
  return (
    <form onSubmit={submit} noValidate>
      <Group align="flex-end" gap="xs" wrap="wrap">
        <TextInput
          label="New project title"
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          error={titleError}
          style={{ flex: '1 1 240px' }}
        />
        <Button type="submit" loading={mutation.isPending}>
          Create project
        </Button>
      </Group>
      {mutation.error && !titleError ? (
        <Alert color={TONE.danger} role="alert" mt="xs">
          {errorText(mutation.error)}
        </Alert>
      ) : null}
      {created ? (
        <Alert color={TONE.ok} mt="xs" role="status">
          Project &ldquo;{created.title}&rdquo; created.{' '}
          <Anchor component={Link} href={`/projects/${created.id}`}>
            Open it
          </Anchor>
        </Alert>
      ) : null}
    </form>
  );
}
