/**
 * The decision for a request to be forwarded: rule, credential, principal, permission.
 *
 * A path no rule covers is refused whatever the credential (PRODUCT.md "unmapped path").
 * Without a credential the answer is 401 with a challenge the client understands: Basic on
 * WebDAV paths, so file managers and rclone prompt for a password, Bearer elsewhere
 * (RFC 6750 §3, RFC 7617 §2).
 */
import type { Audit } from '../audit/audit.js';
import type { AuthenticateFrom } from '../credentials/limit-password-checks.js';
import { type Credential, parseCredentials } from '../credentials/parse-credentials.js';
import type { Principal } from '../credentials/principal.js';
import { AccessDenied, GatewayError, InvalidToken } from '../errors.js';
import { authorizeRequest } from './authorize-request.js';
import type { RouteRule, RouteTable } from './route-rules.js';

export interface Admission {
  rule: RouteRule;
  /** Undefined on public routes. */
  principal: Principal | undefined;
}

/**
 * Synchronous when the decision needs no waiting (a public route, a cached credential, a refusal),
 * so a proxied request with a cached credential costs no promise (issue 6 hot path); throws or
 * rejects with the GatewayError to answer.
 */
export type AdmitRequest = (
  method: string,
  path: string,
  headers: NodeJS.Dict<string[]>,
  address: string,
  /** The host asked for, which selects the rules of that host (route-rules.ts). */
  host?: string,
) => Admission | Promise<Admission>;

const REALM = 'realm="photogate"';

function challengeFor(rule: RouteRule, error?: GatewayError): string {
  if (rule.access.kind === 'scope' && rule.access.resource === 'webdav') return `Basic ${REALM}, charset="UTF-8"`;
  return error ? `Bearer ${REALM}, error="${error.code}"` : `Bearer ${REALM}`;
}

function withChallenge(error: unknown, rule: RouteRule): unknown {
  if (!(error instanceof GatewayError) || error.status !== 401) return error;
  if (error instanceof InvalidToken && error.headers['www-authenticate']) return error;
  error.headers['www-authenticate'] = challengeFor(rule, error);
  return error;
}

function decide(rule: RouteRule, method: string, principal: Principal): Admission {
  authorizeRequest(rule.access, method, principal);
  return { rule, principal };
}

export function createAdmitRequest(routes: RouteTable, authenticate: AuthenticateFrom, audit: Audit): AdmitRequest {
  /** Audit trail: a credential that was checked and refused (not a missing one, not a lockout). */
  const rejected = (error: unknown, credential: Credential, address: string, path: string) => {
    if (!(error instanceof InvalidToken)) return;
    const username = credential.type === 'basic' ? credential.username : null;
    audit.record({ event: 'credential_rejected', outcome: 'failure', username, address, via: credential.type, reason: error.detail ?? 'invalid', path });
  };
  return (method, path, headers, address, host) => {
    const rule = routes.match(method, path, host);
    if (rule === undefined) {
      throw new AccessDenied({ description: 'No route rule allows this path.', detail: 'unmapped path' });
    }
    if (rule.access.kind === 'public') return { rule, principal: undefined };
    try {
      const credential = parseCredentials(headers);
      if (credential === undefined) {
        const error = new InvalidToken({ description: 'Authentication is required.' });
        // RFC 6750 §3.1: no error code when the request carried no credential at all.
        error.headers['www-authenticate'] = challengeFor(rule);
        throw error;
      }
      let principal: ReturnType<AuthenticateFrom>;
      try {
        principal = authenticate(credential, address);
      } catch (error) {
        rejected(error, credential, address, path);
        throw error;
      }
      if (!(principal instanceof Promise)) return decide(rule, method, principal);
      return principal
        .then(
          (verified) => decide(rule, method, verified),
          (error: unknown) => {
            rejected(error, credential, address, path);
            throw error;
          },
        )
        .catch((error: unknown) => {
          throw withChallenge(error, rule);
        });
    } catch (error) {
      throw withChallenge(error, rule);
    }
  };
}
