/**
 * The access decision for a request that matched a rule needing a credential
 * (PRODUCT.md "Decisions": roles, WebDAV, app passwords). Hard limits come first, so no scope,
 * not even `*`, can lift them; then the role; then the credential's scope.
 */
import { AccessDenied, InsufficientScope } from '../errors.js';
import type { Principal, PrincipalRole } from '../credentials/principal.js';
import { readMethods, scopeAllows } from './scope-grant.js';
import type { RouteAccess } from './route-rules.js';

/** Account and password management: never through an app password (seeds: 003). */
const accountManagement = new Set(['users', 'password', 'passcode']);

const roleDenies: Record<PrincipalRole, (resource: string, method: string) => boolean> = {
  admin: () => false,
  // `sessions` here is the upstream's session management (photogate's own session API and
  // account API are answered before any rule): it belongs to the one shared upstream account.
  user: (resource, method) =>
    resource === 'users' || resource === 'services' || resource === 'logs' || resource === 'sessions' ||
    (resource === 'config' && !readMethods.has(method)),
  client: (resource) => accountManagement.has(resource),
};

export function authorizeRequest(access: RouteAccess, method: string, principal: Principal): void {
  if (access.kind !== 'scope') return;
  const { resource } = access;
  if (resource === 'webdav' && !principal.webdav) {
    throw new AccessDenied({ description: 'WebDAV needs a user with WebDAV access.', detail: 'no webdav' });
  }
  if (principal.kind === 'app_password' && accountManagement.has(resource)) {
    throw new AccessDenied({ description: 'App passwords cannot manage accounts.', detail: 'app password' });
  }
  if (roleDenies[principal.role](resource, method)) {
    throw new AccessDenied({ description: 'Your role does not allow this.', detail: `role ${principal.role}` });
  }
  if (!scopeAllows(principal.grant, resource, method)) {
    throw new InsufficientScope({
      description: `The credential's scope does not allow ${method} on ${resource}.`,
      // RFC 6750 §3: name the scope that would have been enough.
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${resource}"` },
    });
  }
}
