/** Where the API is served; every other path belongs to the dashboard. */
export const API_ENDPOINT = '/api/trpc';

/** True for a request the API serves (the endpoint itself or a procedure under it). */
export function isApiRequest(url: string | undefined): boolean {
  if (!url?.startsWith(API_ENDPOINT)) return false;
  const next = url.charAt(API_ENDPOINT.length);
  return next === '' || next === '/' || next === '?';
}
