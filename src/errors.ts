/**
 * Every failure the gateway answers is a GatewayError: a stable wire `code` (the OAuth 2.0 error
 * name where one exists, RFC 6749 §5.2 / RFC 6750 §3.1), an HTTP status, a public description and
 * private `detail` for the log. One formatter (http/send-error.ts) turns them into responses.
 */
export interface GatewayErrorOptions {
  description?: string;
  detail?: string;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly code: string;
  /** Shown to the client as error_description. */
  readonly description: string | undefined;
  /** For the log only; never sent. */
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  /** A numeric `code` for the body, where PhotoPrism's web UI reads one (32: passcode required). */
  readonly bodyCode: number | undefined = undefined;
  /** How a 5xx is logged; default `error`. */
  readonly logLevel: 'error' | 'warn' | undefined = undefined;

  constructor(status: number, code: string, options: GatewayErrorOptions = {}) {
    super(options.description ?? code, { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.description = options.description;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }

  /** An internal error (500) never shows its description; gateway errors (502-504) may. */
  get expose(): boolean {
    return this.status !== 500;
  }
}

type Options = GatewayErrorOptions;

export class InvalidRequest extends GatewayError {
  constructor(o: Options = {}) { super(400, 'invalid_request', o); }
}
/**
 * The user's password was right but their second factor is missing (PRODUCT.md "two-factor"):
 * 401 `passcode_required` with `code: 32`, the reference server's code that makes its web UI ask
 * for the passcode.
 */
export class PasscodeRequired extends GatewayError {
  override readonly bodyCode = 32;
  constructor(o: Options = {}) { super(401, 'passcode_required', { description: 'Enter the code from your authenticator app.', ...o }); }
}
/**
 * A two-factor code that was right but used already (RFC 6238 §5.2: accepted once). 400, not
 * 401: PhotoPrism's web UI posts its code form twice on Enter (keyup and form submit), and a 401
 * to the second post would sign out the session the first one opened.
 */
export class PasscodeUsed extends GatewayError {
  constructor(o: Options = {}) { super(400, 'invalid_grant', { description: 'This code was used already: wait for the next one.', ...o }); }
}
export class InvalidClient extends GatewayError {
  constructor(o: Options = {}) { super(401, 'invalid_client', o); }
}
export class InvalidGrant extends GatewayError {
  constructor(o: Options = {}) { super(400, 'invalid_grant', o); }
}
/**
 * A failed login at the session API: the resource owner's credentials are wrong, which RFC 6749
 * §5.2 calls `invalid_grant`; answered 401 as the reference server's login does (§5.2's 400
 * binds the token endpoint only).
 */
/**
 * A refresh token presented again after rotation (RFC 9700 §4.14.2): its family was revoked.
 * Answered as invalid_grant; the token endpoint records it in the audit trail.
 */
export class RefreshTokenReused extends InvalidGrant {
  readonly username: string | null;
  readonly clientId: string | null;
  readonly credentialId: string;
  constructor(token: { id: string; username: string | null; clientId: string | null }, o: Options = {}) {
    super(o);
    this.username = token.username;
    this.clientId = token.clientId;
    this.credentialId = token.id;
  }
}
export class LoginFailed extends GatewayError {
  constructor(o: Options = {}) { super(401, 'invalid_grant', o); }
}
export class UnauthorizedClient extends GatewayError {
  constructor(o: Options = {}) { super(400, 'unauthorized_client', o); }
}
export class UnsupportedGrantType extends GatewayError {
  constructor(o: Options = {}) { super(400, 'unsupported_grant_type', o); }
}
export class InvalidScope extends GatewayError {
  constructor(o: Options = {}) { super(400, 'invalid_scope', o); }
}
/** RFC 6750 §3.1: missing, malformed, expired or revoked credentials. */
export class InvalidToken extends GatewayError {
  constructor(o: Options = {}) { super(401, 'invalid_token', o); }
}
/** RFC 6750 §3.1: a valid credential whose scope does not cover the request. */
export class InsufficientScope extends GatewayError {
  constructor(o: Options = {}) { super(403, 'insufficient_scope', o); }
}
/** A path no route rule covers, or a role that may never reach it. */
export class AccessDenied extends GatewayError {
  constructor(o: Options = {}) { super(403, 'access_denied', o); }
}
export class NotFound extends GatewayError {
  constructor(o: Options = {}) { super(404, 'not_found', o); }
}
export class MethodNotAllowed extends GatewayError {
  constructor(allowed: readonly string[], o: Options = {}) {
    super(405, 'method_not_allowed', { ...o, headers: { ...o.headers, allow: allowed.join(', ') } });
  }
}
export class RequestTimeout extends GatewayError {
  constructor(o: Options = {}) { super(408, 'request_timeout', { ...o, headers: { ...o.headers, connection: 'close' } }); }
}
export class PayloadTooLarge extends GatewayError {
  constructor(o: Options = {}) { super(413, 'payload_too_large', o); }
}
export class UnsupportedMediaType extends GatewayError {
  constructor(o: Options = {}) { super(415, 'unsupported_media_type', o); }
}
export class TooManyRequests extends GatewayError {
  constructor(retryAfterSeconds: number, o: Options = {}) {
    super(429, 'too_many_requests', {
      ...o,
      headers: { ...o.headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}
export class ServerError extends GatewayError {
  constructor(o: Options = {}) { super(500, 'server_error', o); }
}
export class BadGateway extends GatewayError {
  constructor(o: Options = {}) { super(502, 'bad_gateway', o); }
}
/**
 * The upstream refused the credential photogate itself sends it (upstream.headers): the admin's
 * upstream app password expired or was revoked. 502, so that the caller, whose own credential is
 * fine, is not signed out by their client (PhotoPrism's UI signs out on any 401).
 */
export class UpstreamCredentialRejected extends GatewayError {
  override readonly logLevel = 'warn' as const;
  constructor(o: Options = {}) { super(502, 'bad_gateway', { description: 'upstream credential rejected', ...o }); }
}
export class ServiceUnavailable extends GatewayError {
  constructor(o: Options = {}) { super(503, 'temporarily_unavailable', o); }
}
/**
 * The store cannot be reached (PostgreSQL down or cut off): 503, so clients retry; never 401,
 * which would make sync apps throw away a good password, and never a pass.
 */
export class StoreUnavailable extends ServiceUnavailable {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super({ description: 'The store is temporarily unavailable.', detail, cause, headers: { 'retry-after': '2' } });
  }
}
export class UpstreamTimeout extends GatewayError {
  constructor(o: Options = {}) { super(504, 'upstream_timeout', o); }
}
export class HttpVersionNotSupported extends GatewayError {
  constructor(o: Options = {}) { super(505, 'http_version_not_supported', o); }
}

/** Problems the CLI and the store report to people: a one-line reason and an exit code. */
export class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UsageError';
    this.exitCode = exitCode;
  }
}

/** The store refuses a write that conflicts with what it holds (duplicate name, unknown id). */
export class StoreConflict extends Error {
  override readonly name = 'StoreConflict';
}
export class StoreNotFound extends Error {
  override readonly name = 'StoreNotFound';
}
/** The store file exists but is not a photogate store; it is never overwritten. */
export class StoreCorrupt extends Error {
  override readonly name = 'StoreCorrupt';
}
