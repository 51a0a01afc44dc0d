/**
 * The lean HTTP entry of the API, built to plain JavaScript (dist/http.js) for the dashboard's
 * Node server and any other process that serves the API without a framework.
 */
export { API_ENDPOINT, isApiRequest } from './endpoint';
export {
  createApiRequestHandler,
  stampClientAddress,
  type ApiHandlerOptions,
  type ApiRequestHandler,
} from './node';
export { MAX_REQUEST_BODY_BYTES, MAX_REQUEST_URL_LENGTH } from './caps';
