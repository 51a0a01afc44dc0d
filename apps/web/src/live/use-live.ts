'use client';

import type { RouterOutputs } from '@aura/api/client';
import { useEffect, useRef, useSyncExternalStore } from 'react';

/** One event of `live.changes`: the topics that changed, when, and the active exports' progress. */
export type LiveEvent = RouterOutputs['live']['changes'] extends AsyncIterable<infer T> ? T : never;
export type LiveTopic = LiveEvent['topics'][number];
export type LiveExportProgress = NonNullable<LiveEvent['exports']>[number];

type Listener = (event: LiveEvent) => void;

/**
 * The tab's one subscription (mounted once by <LiveUpdates />) publishes here; pages listen with
 * the hooks below instead of opening streams of their own.
 */
const listeners = new Set<Listener>();
let exportsById = new Map<string, LiveExportProgress>();
const exportListeners = new Set<() => void>();
let connected = false;
const connectionListeners = new Set<() => void>();

/** Called by <LiveUpdates /> for every event it receives. */
export function publishLiveEvent(event: LiveEvent): void {
  if (event.exports) {
    exportsById = new Map(event.exports.map((item) => [item.id, item]));
    for (const listener of exportListeners) listener();
  }
  for (const listener of listeners) listener(event);
}

/** Called by <LiveUpdates /> when the stream opens or drops. */
export function publishLiveConnection(isConnected: boolean): void {
  if (connected === isConnected) return;
  connected = isConnected;
  for (const listener of connectionListeners) listener();
}

/**
 * Calls `callback` whenever the database changes under `topic` (any process: the worker, the
 * CLI, another tab). For a page whose data is not a tRPC query; queries refresh on their own.
 */
export function useLiveTopic(topic: LiveTopic, callback: (event: LiveEvent) => void): void {
  const latest = useRef(callback);
  useEffect(() => {
    latest.current = callback;
  });
  useEffect(() => {
    const listener: Listener = (event) => {
      if (event.topics.includes(topic)) latest.current(event);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [topic]);
}

function subscribeExports(listener: () => void) {
  exportListeners.add(listener);
  return () => {
    exportListeners.delete(listener);
  };
}

/**
 * The live progress of one queued or running export (pushed with every change, no polling);
 * undefined once it is neither, or before the first event.
 */
export function useLiveExport(id: string): LiveExportProgress | undefined {
  return useSyncExternalStore(
    subscribeExports,
    () => exportsById.get(id),
    () => undefined,
  );
}

function subscribeConnection(listener: () => void) {
  connectionListeners.add(listener);
  return () => {
    connectionListeners.delete(listener);
  };
}

/** Whether the tab's live stream is open (false while it reconnects). */
export function useLiveConnected(): boolean {
  return useSyncExternalStore(
    subscribeConnection,
    () => connected,
    () => false,
  );
}
