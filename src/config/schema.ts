/**
 * The configuration: one zod schema is the type, the defaults and the checks. Objects are strict
 * (unknown keys are errors) and every default is the built-in one, so `photogate start` runs
 * with no file at all. config.example.yaml documents each key; test/unit/config drift tests keep
 * the two in step.
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive();
/** A lifetime in seconds; 0 or -1 mean "never expires" where a key says so. */
const lifetimeSeconds = z.number().int().min(-1);

const hostPort = z
  .string()
  .refine(
    (v) => /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):\d{1,5}$/.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535,
    'expected HOST:PORT with a port from 0 to 65535, e.g. 127.0.0.1:8080 or [::1]:8080',
  );

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name');

export const routeRuleSchema = z.strictObject({
  /** Literal path prefix; a `*` segment matches exactly one segment. */
  path: z.string().regex(/^\/[^?#\s]*$/, 'must start with / and contain no query, fragment or space'),
  /** A resource name (photos, webdav, ...), `public` (no credential) or `authenticated` (any valid credential). */
  scope: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a resource name, `public` or `authenticated`'),
  /** Limits the rule to these methods; absent = every method. */
  methods: z.array(z.string().regex(/^[A-Z-]+$/, 'methods are upper case, e.g. GET')).min(1).optional(),
});

export const configSchema = z.strictObject({
  listen: hostPort.default('127.0.0.1:8080'),
  /** The issuer and base of every URL we generate; default: http://<listen address>. */
  publicUrl: httpUrl.optional(),
  upstream: z
    .strictObject({
      url: httpUrl.default('http://127.0.0.1:2342'),
      /** Time to wait for the upstream to answer (idle socket), then 504. */
      timeoutMs: positiveInt.default(300_000),
      /** Time to wait for a TCP connection to the upstream, then 502. */
      connectTimeoutMs: positiveInt.default(5_000),
      /** Headers sent to the upstream on every forwarded request, e.g. the upstream's own credential. */
      headers: z.record(headerName, z.string()).default({}),
    })
    .prefault({}),
  store: z
    .strictObject({
      path: z.string().min(1).default('./data/photogate.json'),
      /**
       * A PostgreSQL URL (`postgres://user:password@host:5432/photogate`): the PostgreSQL store,
       * for several replicas, instead of the file at `path`. PHOTOGATE_STORE_URL overrides.
       */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
        .optional(),
      /** How often the file is checked for writes by other processes (the CLI). */
      reloadIntervalMs: positiveInt.max(1000).default(250),
    })
    .prefault({}),
  twoFactor: z
    .strictObject({
      /**
       * The key that seals two-factor (TOTP) secrets (two-factor/secret-box.ts), created 0600
       * with a fresh key when first needed. Default `<store.path>.key` beside the store file;
       * required with `store.url` (a database has no "beside"): the same file on every replica.
       */
      keyFile: z.string().min(1).optional(),
    })
    .prefault({}),
  cache: z
    .strictObject({
      /** Validated credentials kept in memory. */
      maxEntries: positiveInt.default(10_000),
      /** Longest a validated credential is trusted without a store check; never past its expiry. */
      ttlSeconds: positiveInt.default(300),
    })
    .prefault({}),
  routes: z
    .strictObject({
      /** Start from the built-in rules for PhotoPrism's paths (access/default-route-rules.ts). */
      builtin: z.boolean().default(true),
      /** Added to the built-in ones; a rule with the same path and methods replaces a built-in. */
      rules: z.array(routeRuleSchema).default([]),
    })
    .prefault({}),
  tokens: z
    .strictObject({
      /** Default lifetime of `auth add` app passwords and access tokens; 0 or -1 = never. */
      cliTokenTtlSeconds: lifetimeSeconds.default(31_536_000),
      /** Defaults of `clients add`. */
      clientTokenTtlSeconds: positiveInt.default(86_400),
      clientTokenLimit: z.number().int().min(-1).default(10),
      /** Lifetime of session tokens from POST /api/v1/session. */
      sessionTtlSeconds: positiveInt.default(1_209_600),
    })
    .prefault({}),
  oauth: z
    .strictObject({
      /** Authorization codes are single use and live this long (RFC 6749 §4.1.2: short). */
      codeTtlSeconds: positiveInt.max(600).default(60),
      /** Access tokens issued by the code, refresh and device grants. */
      accessTokenTtlSeconds: positiveInt.default(3600),
      /** Refresh tokens; each use rotates it (a new one, same family). */
      refreshTokenTtlSeconds: positiveInt.default(2_592_000),
      /** A rotated refresh token still works this long, for parallel refreshes; later reuse revokes its family. */
      refreshGraceSeconds: z.number().int().min(0).max(300).default(10),
      /** Device codes (RFC 8628 §3.2 expires_in). */
      deviceCodeTtlSeconds: positiveInt.default(600),
      /** Minimum seconds between device token polls (RFC 8628 §3.2 interval). */
      devicePollIntervalSeconds: positiveInt.default(5),
    })
    .prefault({}),
  rateLimits: z
    .strictObject({
      /** Failed password, app-password or client-secret checks one client address may make at once... */
      addressFailureBurst: positiveInt.default(10),
      /** ...and then per minute. */
      addressFailuresPerMinute: positiveInt.default(1),
      /** Failed checks against one account (user or client_id), from anywhere, before it is throttled (then 1 a minute). */
      accountFailureBurst: positiveInt.default(20),
      /** Client addresses and accounts tracked at most (least recently seen are forgotten). */
      maxTrackedKeys: positiveInt.default(100_000),
    })
    .prefault({}),
  /** Peers whose X-Forwarded-For is believed (exact addresses). None by default, loopback included. */
  trustedProxies: z.array(z.ipv4().or(z.ipv6())).default([]),
  identityHeaders: z
    .strictObject({
      user: headerName.default('X-Forwarded-User'),
      client: headerName.default('X-Forwarded-Client'),
      scope: headerName.default('X-Forwarded-Scope'),
    })
    .prefault({}),
  admin: z
    .strictObject({
      /** Created on first start when the store has no users. */
      username: z.string().regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/).default('admin'),
      /** Its password; PHOTOGATE_ADMIN_PASSWORD overrides; absent: generated and printed once. */
      password: z.string().min(8).optional(),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Largest request body on the gateway's own endpoints (413 above). */
      bodyBytes: positiveInt.default(65_536),
      /** Whole-request deadline on the gateway's own endpoints (408 after); proxied requests have none. */
      endpointTimeoutMs: positiveInt.default(10_000),
      /** Largest request head (431 above). */
      headerBytes: positiveInt.max(1_048_576).default(16_384),
      /** Time to receive a request's headers (slowloris), then 408. */
      headersTimeoutMs: positiveInt.default(20_000),
      /** A request whose client sends (or reads) nothing this long is ended: 408, or closed. */
      idleTimeoutMs: positiveInt.default(60_000),
      /** Keep-alive connections idle longer than this are closed. */
      keepAliveTimeoutMs: positiveInt.default(5_000),
      /** Connections open at once; a new one above it gets 503 and is closed. */
      maxConnections: positiveInt.default(1024),
      /** A browser WebSocket on /api/v1/ws without a valid `session` in a message this long is closed. */
      webSocketSessionTimeoutMs: positiveInt.default(10_000),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Log every proxied request (method, path, status, time, credential reference id). */
      requests: z.boolean().default(true),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type RouteRuleConfig = z.infer<typeof routeRuleSchema>;
