'use client';

import type { RouterOutputs } from '@aura/api/client';
import { useSuspenseInfiniteQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useId, useState, useTransition } from 'react';
import { formatTimestamp, humanize } from '@/lib/format';
import { useTRPC } from '@/trpc/react';
import {
  dashboardListInput,
  nextProjectCursor,
  type ProjectListInput,
  type ProjectStatusFilter,
} from '@/trpc/shared';

type ProjectItem = RouterOutputs['projects']['list']['items'][number];

/** Filters and the project table; filter changes refetch through the tRPC client. */
export function ProjectDashboard({ statuses }: { statuses: readonly ProjectStatusFilter[] }) {
  const [status, setStatus] = useState<ProjectStatusFilter | ''>('');
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState('');
  const [isPending, startTransition] = useTransition();
  const statusId = useId();
  const searchId = useId();

  // Debounce typing; the transition keeps the current rows on screen while the next ones load.
  useEffect(() => {
    const handle = setTimeout(() => startTransition(() => setSearch(searchText)), 250);
    return () => clearTimeout(handle);
  }, [searchText]);

  const input = dashboardListInput({ status, search });
  const filtered = Boolean(input.status || input.search);

  return (
    <section className="card" aria-labelledby="projects-heading">
      <div className="toolbar">
        <h2 id="projects-heading">Projects</h2>
        <div className="filters">
          <label htmlFor={statusId} className="visually-hidden">
            Status
          </label>
          <select
            id={statusId}
            value={status}
            onChange={(event) => {
              const value = event.target.value as ProjectStatusFilter | '';
              startTransition(() => setStatus(value));
            }}
          >
            <option value="">All statuses</option>
            {statuses.map((value) => (
              <option key={value} value={value}>
                {humanize(value)}
              </option>
            ))}
          </select>
          <label htmlFor={searchId} className="visually-hidden">
            Search
          </label>
          <input
            id={searchId}
            type="search"
            placeholder="Search title or description"
            value={searchText}
            maxLength={200}
            onChange={(event) => setSearchText(event.target.value)}
          />
        </div>
      </div>
      <div
        className={isPending ? 'table-wrap table-wrap--stale' : 'table-wrap'}
        aria-busy={isPending}
      >
        <Suspense fallback={<p className="empty">Loading projects…</p>}>
          <ProjectTable input={input} filtered={filtered} />
        </Suspense>
      </div>
    </section>
  );
}

function ProjectTable({ input, filtered }: { input: ProjectListInput; filtered: boolean }) {
  const trpc = useTRPC();
  const { data, hasNextPage, fetchNextPage, isFetchingNextPage } = useSuspenseInfiniteQuery(
    trpc.projects.list.infiniteQueryOptions(input, { getNextPageParam: nextProjectCursor }),
  );
  const items = data.pages.flatMap((page) => page.items);

  if (items.length === 0) {
    return filtered ? (
      <div className="empty">
        <p className="empty__title">No projects match these filters</p>
        <p>Try another status or search term.</p>
      </div>
    ) : (
      <div className="empty">
        <p className="empty__title">No projects yet</p>
        <p>Projects created in Aura Video Studio will appear here.</p>
      </div>
    );
  }

  return (
    <>
      <table className="projects">
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Stage</th>
            <th scope="col">Progress</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {items.map((project) => (
            <ProjectRow key={project.id} project={project} />
          ))}
        </tbody>
      </table>
      <div className="table-footer">
        <span className="muted">
          {items.length} project{items.length === 1 ? '' : 's'} shown
        </span>
        {hasNextPage && (
          <button
            type="button"
            className="button"
            onClick={() => void fetchNextPage()}
            disabled={isFetchingNextPage}
          >
            {isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </>
  );
}

function ProjectRow({ project }: { project: ProjectItem }) {
  return (
    <tr>
      <td>
        <div className="projects__title">{project.title}</div>
        {project.description && <div className="projects__description">{project.description}</div>}
      </td>
      <td>
        <span className={`status status--${project.status}`}>{humanize(project.status)}</span>
      </td>
      <td>{project.currentStage}</td>
      <td>
        <div className="progress" aria-label={`${project.progressPercent}% complete`}>
          <div className="progress__bar">
            <div className="progress__fill" style={{ width: `${project.progressPercent}%` }} />
          </div>
          <span className="progress__value">{project.progressPercent}%</span>
        </div>
      </td>
      <td>
        <time dateTime={project.updatedAt}>{formatTimestamp(project.updatedAt)}</time>
      </td>
    </tr>
  );
}
