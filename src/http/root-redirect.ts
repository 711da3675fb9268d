/**
 * `GET /` → 302 to PhotoPrism's sign-in page (PRODUCT.md "PhotoPrism web UI"): an exact-path
 * endpoint, because a route rule for `/` would be a prefix of every path. Only with the built-in
 * rules, which are PhotoPrism's.
 */
import type { EndpointHandler } from './router.js';

export function rootRedirect(location: string): EndpointHandler {
  return async ({ res }) => {
    res.writeHead(302, { location, 'content-length': 0, 'cache-control': 'no-store' });
    res.end();
  };
}
