import { z } from 'zod';

/** The parts of a tRPC client error the pages show (see the error formatter of @aura/api). */
const errorData = z.object({
  code: z.string().optional(),
  zodError: z
    .object({ fieldErrors: z.record(z.string(), z.array(z.string()).optional()) })
    .nullish(),
});

/**
 * The message of a failed call for a toast or an alert: the field errors the server named first
 * ("title: Required"), a refusal for the role said in words, else the error's own message.
 */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : 'Something went wrong';
  const parsed = errorData.safeParse(
    typeof error === 'object' && error !== null && 'data' in error ? error.data : undefined,
  );
  if (!parsed.success) return message;
  const fields = Object.entries(parsed.data.zodError?.fieldErrors ?? {})
    .filter(([, problems]) => (problems ?? []).length > 0)
    .map(([field, problems]) => `${field}: ${(problems ?? []).join(', ')}`);
  if (fields.length > 0) return fields.join('; ');
  if (parsed.data.code === 'FORBIDDEN') return `Not allowed for your role: ${message}`;
  return message;
}
