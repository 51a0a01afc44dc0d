import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  LimitError,
  NotFoundError,
  PreconditionError,
  RateLimitError,
  StateError,
  UnauthenticatedError,
} from '@aura/db';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createContext } from '../src/context';
import { appRouter } from '../src/root';
import { createCallerFactory, publicProcedure, router } from '../src/trpc';
import { openTestDb, type TestDb } from './helpers';

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => {
  t.close();
  vi.restoreAllMocks();
});

/** A router whose procedures fail on purpose, to check the error mapping. */
const failing = router({
  notFound: publicProcedure.query(() => {
    throw new NotFoundError('ProjectStates', 'abc');
  }),
  conflict: publicProcedure.mutation(() => {
    throw new ConflictError('ProjectStates', 'abc', 1, 2);
  }),
  /** Throws the domain error named by the input, as a service would. */
  domain: publicProcedure.input(z.string()).query(({ input }) => {
    const errors = {
      invalidField: new InvalidInputError('ffmpegPath', 'is not executable'),
      invalid: new InvalidInputError(null, 'Tokens cannot be created for a deactivated user'),
      limit: new LimitError('Too many scenes'),
      forbidden: new ForbiddenError('Only an admin may do this'),
      unauthenticated: new UnauthenticatedError('Invalid email or password'),
      rateLimit: new RateLimitError('Too many failed sign-in attempts: try again in 2 seconds'),
      state: new StateError('This setup is already complete'),
      precondition: new PreconditionError('AURA_SECRET_KEY is not a key'),
    };
    throw errors[z.enum(Object.keys(errors) as (keyof typeof errors)[]).parse(input)];
  }),
  bug: publicProcedure.query(() => {
    throw new Error('SQLITE_ERROR: near "SELEC": syntax error in SELEC * FROM ProjectStates');
  }),
});
const testRouter = router({ app: appRouter, failing });

/** Calls through the HTTP adapter, as a browser would, and returns the JSON error shape. */
async function httpCall(path: string, input?: unknown) {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(`http://localhost/api/trpc/${path}${query}`),
    router: testRouter,
    createContext: () => createContext({ db: t.db, principal: t.principal('viewer') }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: ErrorJson },
  };
}

interface ErrorJson {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    zodError: { fieldErrors: Record<string, string[]> } | null;
    stack?: string;
  };
}

describe('errors', () => {
  it('maps NotFoundError to NOT_FOUND and ConflictError to CONFLICT with their messages', async () => {
    const caller = createCallerFactory(testRouter)(createContext({ db: t.db }));
    await expect(caller.failing.notFound()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'ProjectStates abc was not found',
    });
    await expect(caller.failing.conflict()).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('changed by someone else'),
    });
    const { status, body } = await httpCall('failing.notFound');
    expect(status).toBe(404);
    expect(body.error?.data.code).toBe('NOT_FOUND');
  });

  it('sends every domain error with its code, its message, and an invalid field as a field error', async () => {
    const expected = {
      invalidField: [400, 'BAD_REQUEST', 'ffmpegPath: is not executable'],
      invalid: [400, 'BAD_REQUEST', 'Tokens cannot be created for a deactivated user'],
      limit: [400, 'BAD_REQUEST', 'Too many scenes'],
      forbidden: [403, 'FORBIDDEN', 'Only an admin may do this'],
      unauthenticated: [401, 'UNAUTHORIZED', 'Invalid email or password'],
      rateLimit: [
        429,
        'TOO_MANY_REQUESTS',
        'Too many failed sign-in attempts: try again in 2 seconds',
      ],
      state: [409, 'CONFLICT', 'This setup is already complete'],
      precondition: [412, 'PRECONDITION_FAILED', 'AURA_SECRET_KEY is not a key'],
    } as const;
    for (const [name, [status, code, message]] of Object.entries(expected)) {
      const response = await httpCall('failing.domain', name);
      const error = response.body.error;
      expect(
        { status: response.status, code: error?.data.code, message: error?.message },
        name,
      ).toEqual({ status, code, message });
      expect(error?.data.zodError, name).toEqual(
        name === 'invalidField'
          ? expect.objectContaining({ fieldErrors: { ffmpegPath: ['is not executable'] } })
          : null,
      );
    }
  });

  it('returns bad input as BAD_REQUEST with the fields, and no stack', async () => {
    const { status, body } = await httpCall('app.projects.list', { limit: 0, status: 'Bogus' });
    expect(status).toBe(400);
    const error = body.error!;
    expect(error.data.code).toBe('BAD_REQUEST');
    expect(Object.keys(error.data.zodError!.fieldErrors).sort()).toEqual(['limit', 'status']);
    expect(error.data.stack).toBeUndefined();
  });

  it('hides an unexpected error behind INTERNAL_SERVER_ERROR and logs it with the request id', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { status, body } = await httpCall('failing.bug');
    expect(status).toBe(500);
    const error = body.error!;
    expect(error.data.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).toMatch(/^Internal error \(request [0-9a-f-]{36}\)$/);
    expect(JSON.stringify(body)).not.toMatch(/SELEC|SQLITE|ProjectStates/);
    expect(error.data.stack).toBeUndefined();
    const requestId = /request ([0-9a-f-]{36})/.exec(error.message)![1]!;
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0]![0])).toContain(requestId);
  });

  it('hides a failure to create the context as well', async () => {
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request('http://localhost/api/trpc/projects.list'),
      router: appRouter,
      createContext: () => {
        throw new Error('unable to open database file /secret/path/aura.db');
      },
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toContain('Internal error');
    expect(text).not.toContain('/secret/path');
  });

  it('hides a database failure (an unmigrated database) the same way', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bare = openTestDb({ migrate: false });
    try {
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request('http://localhost/api/trpc/projects.list'),
        router: appRouter,
        // A principal as if already authenticated, so the call reaches the missing tables.
        createContext: () =>
          createContext({
            db: bare.db,
            principal: {
              userId: 'u',
              email: 'u@test.local',
              displayName: 'u',
              role: 'viewer',
              via: 'token',
            },
          }),
      });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toMatch(/no such table|ProjectStates|select/i);
    } finally {
      bare.close();
    }
  });
});
