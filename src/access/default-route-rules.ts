/**
 * Built-in route rules for a PhotoPrism-like upstream (reference-photoprism.md §4.7): each path
 * of its REST API maps to the resource (scope name) the reference server checks for it; the
 * token-in-URL and public routes are public, because the upstream checks those tokens itself
 * (PRODUCT.md "default public rules"). A path no rule covers is refused.
 *
 * PhotoPrism's web UI shell is public too (PRODUCT.md "PhotoPrism web UI"): the upstream renders
 * it with its public client config whatever the caller sends (photoprism-web-ui.md §1), so it
 * carries nothing a credential would unlock. `/` itself is no rule (a `/` prefix would open every
 * unmapped path): the gateway answers `GET /` with a redirect (http/root-redirect.ts).
 * `/api/v1/config` stays credentialed: photogate sends its upstream credential, and the answer
 * holds that credential's preview and download tokens.
 */
import type { RouteRuleConfig } from '../config/schema.js';

const api = (path: string, scope: string): RouteRuleConfig => ({ path: `/api/v1${path}`, scope });
const safe = ['GET', 'HEAD'];
/** A public route: only safe methods, so a public rule never opens a write. */
const open = (path: string): RouteRuleConfig => ({ path, scope: 'public', methods: safe });

export const defaultRouteRules: readonly RouteRuleConfig[] = [
  api('/photos', 'photos'),
  api('/batch/photos', 'photos'),
  api('/index', 'photos'),
  api('/zip', 'photos'),
  api('/videos', 'videos'),
  api('/albums', 'albums'),
  api('/batch/albums', 'albums'),
  api('/albums/*/links', 'shares'),
  api('/files', 'files'),
  api('/markers', 'files'),
  api('/folders', 'files'),
  api('/import', 'files'),
  api('/labels', 'labels'),
  api('/batch/labels', 'labels'),
  api('/subjects', 'people'),
  api('/faces', 'people'),
  api('/geo', 'places'),
  api('/moments', 'calendar'),
  api('/favorites', 'favorites'),
  api('/shares', 'shares'),
  api('/config', 'config'),
  api('/connect', 'config'),
  api('/server', 'config'),
  api('/settings', 'settings'),
  api('/services', 'services'),
  api('/users', 'users'),
  // users/{id}/password, /passcode*, /sessions are answered by photogate's account API (account/)
  // before any rule is looked at, never forwarded; these rules only name their resources.
  api('/users/*/password', 'password'),
  api('/users/*/passcode', 'passcode'),
  api('/users/*/sessions', 'sessions'),
  api('/users/*/upload', 'files'),
  // /api/v1/session is photogate's own session API; its sub-paths (the upstream's sessions by
  // id) are left unmapped, so refused: photogate's sessions are not the upstream's. The
  // upstream's /api/v1/sessions manages the shared upstream account's sessions: admins only
  // (access/authorize-request.ts).
  api('/sessions', 'sessions'),
  api('/errors', 'logs'),
  api('/metrics', 'metrics'),
  api('/feedback', 'feedback'),
  api('/ws', 'authenticated'),
  { path: '/originals', scope: 'webdav' },
  { path: '/import', scope: 'webdav' },
  // Token-in-URL routes: the upstream checks the preview/download token in the path or `?t=`.
  open('/api/v1/t'),
  open('/api/v1/videos/*/*'),
  open('/api/v1/albums/*/t'),
  open('/api/v1/labels/*/t'),
  open('/api/v1/folders/t'),
  open('/api/v1/dl'),
  open('/api/v1/photos/*/dl'),
  open('/api/v1/albums/*/dl'),
  open('/api/v1/zip/*'),
  open('/api/v1/status'),
  open('/api/v1/svg'),
  open('/s'),
  open('/static'),
  // PhotoPrism's web UI shell (photoprism-web-ui.md §4 A).
  open('/library'),
  open('/manifest.json'),
  open('/sw.js'),
  open('/favicon.ico'),
  open('/robots.txt'),
  open('/c/static'),
];
