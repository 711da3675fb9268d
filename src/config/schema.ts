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

/**
 * Marks a key a running gateway cannot change: a reload (SIGHUP, watchConfig) keeps the old value
 * and logs the key as needing a restart (config/reload-plan.ts). Shown in photogate.schema.json as
 * `"x-restart": true` and in docs/configuration.md.
 */
function needsRestart<T extends z.ZodType>(schema: T): T {
  return schema.meta({ 'x-restart': true });
}

export const routeRuleSchema = z.strictObject({
  path: z.string().regex(/^\/[^?#\s]*$/, 'must start with / and contain no query, fragment or space').describe('Literal path prefix; a `*` segment matches exactly one segment.'),
  scope: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'expected a resource name, `public` or `authenticated`').describe('A resource name (photos, webdav, ...), `public` (no credential) or `authenticated` (any valid credential).'),
  methods: z.array(z.string().regex(/^[A-Z-]+$/, 'methods are upper case, e.g. GET')).min(1).optional().describe('Limits the rule to these methods; absent = every method.'),
  host: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/, 'expected a host name, optionally with :PORT, e.g. grafana.example.org')
    .transform((h) => h.toLowerCase())
    .optional()
    .describe('Limits the rule to forward-auth requests for this host (X-Forwarded-Host), so one photogate holds several apps\' rules; a host that some rule names is decided by its own rules only. Absent = the rules of the gateway itself and of every other host.'),
});

export const configSchema = z.strictObject({
  listen: needsRestart(hostPort.default('127.0.0.1:8080')).describe('Address to listen on, HOST:PORT ([::1]:8080 for IPv6; port 0 picks a free one). $PHOTOGATE_LISTEN, --listen.'),
  publicUrl: httpUrl.optional().describe('The issuer and base of every URL we generate; default: http://<listen address>.'),
  upstream: z
    .strictObject({
      url: httpUrl.default('http://127.0.0.1:2342').describe('The server photogate protects. $PHOTOGATE_UPSTREAM, --upstream.'),
      timeoutMs: positiveInt.default(300_000).describe('Time to wait for the upstream to answer (idle socket), then 504.'),
      connectTimeoutMs: positiveInt.default(5_000).describe('Time to wait for a TCP connection to the upstream, then 502.'),
      headers: z.record(headerName, z.string()).default({}).describe('Headers sent to the upstream on every forwarded request, e.g. the upstream\'s own credential.'),
    })
    .prefault({})
    .describe('The server behind photogate and how to reach it.'),
  store: z
    .strictObject({
      path: needsRestart(z.string().min(1).default('./data/photogate.json')).describe('The store file, relative to the configuration file. $PHOTOGATE_STORE, --store.'),
      url: needsRestart(
        z
          .string()
          .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
          .optional(),
      ).describe('A PostgreSQL URL (postgres://user:password@host:5432/photogate): the PostgreSQL store, for several replicas, instead of the file at `path`. $PHOTOGATE_STORE_URL.'),
      reloadIntervalMs: needsRestart(positiveInt.max(1000).default(250)).describe('How often the file is checked for writes by other processes (the CLI).'),
    })
    .prefault({})
    .describe('Where users, clients and tokens are kept. Needs a restart.'),
  twoFactor: z
    .strictObject({
      keyFile: needsRestart(z.string().min(1).optional()).describe(
        'The key that seals two-factor (TOTP) secrets, created 0600 when missing; default <store.path>.key beside the store file. Required with store.url: the same file on every replica. $PHOTOGATE_TWO_FACTOR_KEY_FILE.',
      ),
    })
    .prefault({})
    .describe('Two-factor sign-in (TOTP): where the key that seals its secrets lies.'),
  cache: z
    .strictObject({
      maxEntries: needsRestart(positiveInt.default(10_000)).describe('Validated credentials kept in memory.'),
      ttlSeconds: needsRestart(positiveInt.default(300)).describe('Longest a validated credential is trusted without a store check; never past its expiry.'),
    })
    .prefault({})
    .describe('Validated credentials kept in memory; kept across reloads, so a change needs a restart.'),
  routes: z
    .strictObject({
      builtin: z.boolean().default(true).describe('Start from the built-in rules for PhotoPrism\'s paths (access/default-route-rules.ts).'),
      rules: z.array(routeRuleSchema).default([]).describe('Added to the built-in ones; a rule with the same path and methods replaces a built-in.'),
    })
    .prefault({})
    .describe('Which method + path needs which scope (longest matching rule wins; a path no rule covers is refused).'),
  tokens: z
    .strictObject({
      cliTokenTtlSeconds: lifetimeSeconds.default(31_536_000).describe('Default lifetime of `auth add` app passwords and access tokens; 0 or -1 = never.'),
      clientTokenTtlSeconds: positiveInt.default(86_400).describe('Default of `clients add -e`: lifetime of the tokens a client gets.'),
      clientTokenLimit: z.number().int().min(-1).default(10).describe('Default of `clients add -t`: tokens a client may hold at once; -1 = unlimited.'),
      sessionTtlSeconds: positiveInt.default(1_209_600).describe('Lifetime of session tokens from POST /api/v1/session (browser sign-ins use account.sessionTtlSeconds).'),
    })
    .prefault({})
    .describe('Lifetimes and limits of tokens issued by the CLI and the session API.'),
  account: z
    .strictObject({
      sessionTtlSeconds: positiveInt.default(1_209_600).describe('Absolute lifetime of a browser sign-in (its session cookie), shared by the /account page and the OAuth/OIDC sign-in page; default 14 days.'),
      idleTimeoutSeconds: positiveInt
        .default(604_800)
        .describe('A browser sign-in (the /account page and the OAuth/OIDC sign-in page) not used for this long is over (asked to sign in again), within its absolute lifetime; default 7 days.'),
    })
    .prefault({})
    .describe('The /account page, where a person manages their own account.'),
  oauth: z
    .strictObject({
      codeTtlSeconds: positiveInt.max(600).default(60).describe('Authorization codes are single use and live this long (RFC 6749 §4.1.2: short).'),
      accessTokenTtlSeconds: positiveInt.default(3600).describe('Access tokens issued by the code, refresh and device grants.'),
      refreshTokenTtlSeconds: positiveInt.default(2_592_000).describe('Refresh tokens; each use rotates it (a new one, same family).'),
      refreshGraceSeconds: z.number().int().min(0).max(300).default(10).describe('A rotated refresh token still works this long, for parallel refreshes; later reuse revokes its family.'),
      deviceCodeTtlSeconds: positiveInt.default(600).describe('Device codes (RFC 8628 §3.2 expires_in).'),
      devicePollIntervalSeconds: positiveInt.default(5).describe('Minimum seconds between device token polls (RFC 8628 §3.2 interval).'),
    })
    .prefault({})
    .describe('Lifetimes of what the OAuth endpoints issue.'),
  oidc: z
    .strictObject({
      signingAlg: needsRestart(z.enum(['RS256', 'ES256', 'EdDSA']).default('RS256')).describe('ID token signature: RS256 (every OpenID client supports it), ES256 or EdDSA (Ed25519). A change takes effect as a key rotation on the next start.'),
      idTokenTtlSeconds: positiveInt.max(86_400).default(3600).describe('Lifetime of ID tokens; a rotated-out key stays published this long.'),
      keySecretFile: needsRestart(z.string().min(1).optional()).describe('The 256-bit secret that encrypts signing keys in the store; default: oidc-key-secret next to the store file. Required with store.url: the same file on every replica. Created 0600 on first start. $PHOTOGATE_OIDC_KEY_SECRET_FILE.'),
      consentTtlSeconds: positiveInt.default(31_536_000).describe('How long a user\'s approval of a client is remembered (no consent page again).'),
    })
    .prefault({})
    .describe('The OpenID Connect provider: ID token signing and remembered consent.'),
  rateLimits: z
    .strictObject({
      addressFailureBurst: needsRestart(positiveInt.default(10)).describe('Failed password, app-password or client-secret checks one client address may make at once, then addressFailuresPerMinute.'),
      addressFailuresPerMinute: needsRestart(positiveInt.default(1)).describe('Failed checks one client address may make per minute once its burst is spent.'),
      accountFailureBurst: needsRestart(positiveInt.default(20)).describe('Failed checks against one account (user or client_id), from anywhere, before it is throttled (then 1 a minute).'),
      maxTrackedKeys: needsRestart(positiveInt.default(100_000)).describe('Client addresses and accounts tracked at most (least recently seen are forgotten).'),
    })
    .prefault({})
    .describe('Brute-force limits on failed password and client-secret checks; the counters are kept across reloads, so a change needs a restart.'),
  trustedProxies: z.array(z.ipv4().or(z.ipv6())).default([]).describe('Peers whose X-Forwarded-For is believed, and the only ones forward-auth answers (exact addresses). None by default, loopback included.'),
  identityHeaders: z
    .strictObject({
      user: headerName.default('X-Forwarded-User').describe('Carries the username, when the credential has one.'),
      client: headerName.default('X-Forwarded-Client').describe('Carries the client id or the credential reference id.'),
      scope: headerName.default('X-Forwarded-Scope').describe('Carries the credential\'s normalised scope.'),
    })
    .prefault({})
    .describe('Names of the headers that tell the upstream who is calling.'),
  admin: z
    .strictObject({
      username: z.string().regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/).default('admin').describe('Created on first start when the store has no users.'),
      password: z.string().min(8).optional().describe('Its password; PHOTOGATE_ADMIN_PASSWORD overrides; absent: generated and printed once.'),
    })
    .prefault({})
    .describe('The first admin account, created when the store has no users.'),
  limits: z
    .strictObject({
      bodyBytes: positiveInt.default(65_536).describe('Largest request body on the gateway\'s own endpoints (413 above).'),
      endpointTimeoutMs: positiveInt.default(10_000).describe('Whole-request deadline on the gateway\'s own endpoints (408 after); proxied requests have none.'),
      headerBytes: needsRestart(positiveInt.max(1_048_576).default(16_384)).describe('Largest request head (431 above).'),
      headersTimeoutMs: needsRestart(positiveInt.default(20_000)).describe('Time to receive a request\'s headers (slowloris), then 408.'),
      idleTimeoutMs: needsRestart(positiveInt.default(60_000)).describe('A request whose client sends (or reads) nothing this long is ended: 408, or closed.'),
      keepAliveTimeoutMs: needsRestart(positiveInt.default(5_000)).describe('Keep-alive connections idle longer than this are closed.'),
      maxConnections: needsRestart(positiveInt.default(1024)).describe('Connections open at once; a new one above it gets 503 and is closed.'),
      webSocketSessionTimeoutMs: positiveInt.default(10_000).describe('A browser WebSocket on /api/v1/ws without a valid `session` in a message this long is closed.'),
    })
    .prefault({})
    .describe('Sizes and time-outs of requests.'),
  watchConfig: needsRestart(z.boolean().default(false)).describe('Reload when the configuration file changes, as on SIGHUP.'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Lowest level written to stderr.'),
      requests: z.boolean().default(true).describe('Log every proxied request (method, path, status, time, credential reference id).'),
      auditFile: needsRestart(z.string().min(1).optional()).describe('Append the audit trail (security decisions, logger name photogate.audit) to this file, CLI changes included; absent: audit lines go to stderr with the other logs, and CLI changes are not recorded.'),
    })
    .prefault({})
    .describe('Logging (JSON on stderr).'),
});

export type Config = z.infer<typeof configSchema>;
export type RouteRuleConfig = z.infer<typeof routeRuleSchema>;
