import { Stack, Text, Title } from '@mantine/core';
import { dehydrate, HydrationBoundary } from '@tanstack/react-query';
import type { Metadata } from 'next';
import { createLoader, parseAsString, type SearchParams } from 'nuqs/server';
import { CustomTemplates } from '@/components/admin/CustomTemplates';
import { TEMPLATES_PAGE_LIMIT } from '@/components/admin/limits';
import { galleryInput, galleryParsers } from '@/components/admin/template-params';
import { TemplatesGallery } from '@/components/admin/TemplatesGallery';
import { requirePrincipal } from '@/server/auth';
import { getQueryClient, trpc } from '@/trpc/server';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = { title: 'Templates · Aura Data' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const loadSearchParams = createLoader({
  ...galleryParsers,
  template: parseAsString,
  custom: parseAsString,
});

export default async function TemplatesPage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  await requirePrincipal();
  const params = await loadSearchParams(searchParams);
  const queryClient = getQueryClient();
  await Promise.all([
    queryClient.prefetchQuery(trpc.templates.list.queryOptions({ limit: TEMPLATES_PAGE_LIMIT })),
    queryClient.prefetchQuery(trpc.templates.list.queryOptions(galleryInput(params))),
    queryClient.prefetchQuery(
      trpc.customTemplates.list.queryOptions({ limit: TEMPLATES_PAGE_LIMIT }),
    ),
    // A linked preview (the global search links to ?template= and ?custom=) renders at once.
    params.template && params.template.length <= 100
      ? queryClient.prefetchQuery(trpc.templates.get.queryOptions({ id: params.template }))
      : null,
    params.custom && UUID.test(params.custom)
      ? queryClient.prefetchQuery(trpc.customTemplates.get.queryOptions({ id: params.custom }))
      : null,
  ]);
  return (
    <Stack gap="xl" maw={1200}>
      <div>
        <Title order={1}>Templates</Title>
        <Text c="dimmed">
          Start a project from a system or community template, or from one of your own.
        </Text>
      </div>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <section aria-labelledby="gallery-heading">
          <Title order={2} id="gallery-heading" mb="sm">
            Gallery
          </Title>
          <TemplatesGallery />
        </section>
        <section aria-labelledby="custom-heading">
          <Title order={2} id="custom-heading" mb="sm">
            Custom templates
          </Title>
          <CustomTemplates />
        </section>
      </HydrationBoundary>
    </Stack>
  );
}
