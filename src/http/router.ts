/**
 * The gateway's own endpoints, matched by exact canonical path. A request for one of these paths
 * is answered here and never forwarded; a wrong method gets 405 with `Allow` (RFC 9110 §15.5.6).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from '../access/canonical-path.js';
import { MethodNotAllowed } from '../errors.js';

export interface EndpointRequest {
  req: IncomingMessage;
  res: ServerResponse;
  target: RequestTarget;
}

export type EndpointHandler = (request: EndpointRequest) => Promise<void>;

export interface Endpoint {
  path: string;
  /** By method; `*` answers every method the others do not name. */
  methods: Readonly<Record<string, EndpointHandler>>;
}

export interface Router {
  /** The handler for this request, undefined when the path is not ours; throws 405 for a wrong method. */
  find(method: string, path: string): EndpointHandler | undefined;
  paths: readonly string[];
}

export function createRouter(endpoints: readonly Endpoint[]): Router {
  const byPath = new Map(endpoints.map((e) => [e.path, e]));
  return {
    paths: [...byPath.keys()],
    find(method, path) {
      const endpoint = byPath.get(path);
      if (endpoint === undefined) return undefined;
      const handler = endpoint.methods[method] ?? (method === 'HEAD' ? endpoint.methods.GET : undefined) ?? endpoint.methods['*'];
      if (handler === undefined) throw new MethodNotAllowed(Object.keys(endpoint.methods));
      return handler;
    },
  };
}
