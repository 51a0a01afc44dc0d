import { TRPCError } from '@trpc/server';
import { ZodRealError } from 'zod';

/**
 * A semantic input problem found after parsing (a value that does not match its ValueType, an
 * FFmpeg path that is not FFmpeg, …): BAD_REQUEST whose message names the field, with the same
 * flattened `zodError.fieldErrors` a schema failure carries, so clients handle both alike. The
 * message must describe what was wrong without echoing the value (it may be a secret).
 * (ZodRealError: the plain ZodError of zod 4 is not an Error, and tRPC would wrap it.)
 */
export function fieldError(field: string, message: string): TRPCError {
  const cause = new ZodRealError([{ code: 'custom', path: [field], message, input: undefined }]);
  return new TRPCError({ code: 'BAD_REQUEST', message: `${field}: ${message}`, cause });
}
