'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useTRPC } from '@/trpc/react';

/**
 * After a write on the project page: every projects.* query (the project, its activity, its
 * missing files, the list) and the actions log are read again.
 */
export function useProjectRefresh(projectId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.projects.get.queryKey({ id: projectId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.projects.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.checkpoints.pathKey() }),
    ]);
  }, [queryClient, trpc, projectId]);
}
