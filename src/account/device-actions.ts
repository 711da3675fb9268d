/**
 * A person's signed-in browsers, connected apps and paired devices (issue 14), listed and revoked
 * for that person alone, whatever front end asks: the /account page uses it, the account API can.
 *
 * - Browsers: the user's live `session` tokens: the one browser session of /account and the OIDC
 *   sign-in page (grantType `browser`, oidc/browser-session.ts) and the sessions of PhotoPrism's
 *   web UI (POST /api/v1/session). Ending one removes it; sessions opened with an app password go
 *   when that app password is revoked (store removeToken).
 * - Connected apps: tokens from authorization codes, one entry per client, whatever number of
 *   authorizations (token families) it holds. Disconnecting removes every family of that client for
 *   the user, refresh tokens included, and forgets the remembered consent, so the app must ask
 *   again. Paired devices: tokens from the device flow (RFC 8628), one entry per authorization.
 *   A family's id is the id of the grant it came from and keeps it through refresh-token rotation
 *   (whose tokens say grantType `refresh_token`), so its prefix tells which of the two it is.
 * - An id of someone else's is refused exactly like an unknown one (404), so ids cannot be probed.
 * - Every removal goes through the store, whose change events evict the cached credentials
 *   (credentials/credential-cache.ts): the next request with a revoked token is refused.
 * Pinned by test/integration/account-devices.test.ts.
 */
import type { Audit } from '../audit/audit.js';
import { type Clock, nowSeconds } from '../clock.js';
import { NotFound } from '../errors.js';
import { normalizeScope } from '../access/normalize-scope.js';
import { codeGrantIdPrefix } from '../oauth/authorization-codes.js';
import { deviceGrantIdPrefix } from '../oauth/device-authorization-endpoint.js';
import type { TokenUsage } from '../credentials/token-usage.js';
import { isIdle } from './idle-sessions.js';
import type { RememberedConsent } from '../oidc/remembered-consent.js';
import type { TokenRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

/** When and from where a credential was last used, where the store records it (optional fields). */
export interface LastUse {
  lastUsedAt?: number | null | undefined;
  lastUsedFrom?: string | null | undefined;
}

export interface BrowserEntry extends LastUse {
  id: string;
  /** `browser`: the sign-in page and /account; `photos`: PhotoPrism's web UI (session API). */
  kind: 'browser' | 'photos';
  /** A session API sign-in with an app password (it ends with that app password). */
  viaAppPassword: boolean;
  createdAt: number;
  expiresAt: number | null;
  /** The browser asking. */
  current: boolean;
}

export interface AppEntry extends LastUse {
  clientId: string;
  name: string;
  scope: string;
  /** The oldest of its live tokens. */
  since: number;
}

export interface DeviceEntry extends AppEntry {
  /** The authorization (token family): what revoking names. */
  id: string;
}

export interface AccessList {
  browsers: BrowserEntry[];
  apps: AppEntry[];
  devices: DeviceEntry[];
}

/** Who acts, for the audit trail. */
export interface ActionContext {
  address: string;
  via: string;
}

export interface DeviceActions {
  list(username: string, currentSessionId: string | null): Promise<AccessList>;
  endSession(username: string, id: string, context: ActionContext): Promise<void>;
  disconnectApp(username: string, clientId: string, context: ActionContext): Promise<void>;
  unpairDevice(username: string, id: string, context: ActionContext): Promise<void>;
}

export interface DeviceActionsDeps {
  store: Store;
  clock: Clock;
  consent: RememberedConsent;
  audit: Audit;
  /** Last uses this process has not written yet, merged into what is listed (credentials/token-usage.ts). */
  usage?: TokenUsage;
  /** Browser sign-ins idle longer than this are over (account/idle-sessions.ts): not listed. */
  idleTimeoutSeconds?: number;
}

type Origin = 'app' | 'device';

function originOf(token: TokenRecord): Origin | undefined {
  if (token.clientId === null || token.familyId === null || (token.kind !== 'access_token' && token.kind !== 'refresh_token')) return undefined;
  if (token.familyId.startsWith(codeGrantIdPrefix)) return 'app';
  if (token.familyId.startsWith(deviceGrantIdPrefix)) return 'device';
  return undefined;
}

function lastUseOf(tokens: readonly TokenRecord[]): LastUse {
  let latest: LastUse = {};
  for (const token of tokens as readonly (TokenRecord & LastUse)[]) {
    if (typeof token.lastUsedAt === 'number' && token.lastUsedAt > (latest.lastUsedAt ?? -1)) {
      latest = { lastUsedAt: token.lastUsedAt, lastUsedFrom: token.lastUsedFrom ?? null };
    }
  }
  return latest;
}

const notFound = (what: string) => new NotFound({ description: `No such ${what} of yours.` });

export function createDeviceActions(deps: DeviceActionsDeps): DeviceActions {
  const { store, clock } = deps;

  /** The user's unexpired tokens. */
  async function liveTokensOf(username: string): Promise<TokenRecord[]> {
    const now = nowSeconds(clock);
    const live = (await store.listTokensOfUser(username)).filter((t) => t.expiresAt === null || t.expiresAt > now);
    const { usage } = deps;
    return usage === undefined ? live : live.map((t) => usage.withPending(t));
  }

  /**
   * Token families of one origin, by family id. A family counts while one of its tokens works: one
   * whose refresh tokens were all rotated away and whose access tokens expired is over.
   */
  function familiesOf(tokens: readonly TokenRecord[], origin: Origin): Map<string, TokenRecord[]> {
    const families = new Map<string, TokenRecord[]>();
    for (const token of tokens) {
      if (originOf(token) !== origin) continue;
      const family = token.familyId as string;
      families.set(family, [...(families.get(family) ?? []), token]);
    }
    for (const [id, members] of families) if (members.every((t) => t.kind === 'refresh_token' && t.usedAt !== null)) families.delete(id);
    return families;
  }

  async function describe(members: readonly TokenRecord[]): Promise<AppEntry> {
    const first = members[0] as TokenRecord;
    const clientId = first.clientId as string;
    return {
      clientId,
      name: (await store.findClient(clientId))?.name ?? first.name,
      // Each authorization's scope as granted (joining them would mix up their qualifiers).
      scope: [...new Set(members.map((t) => normalizeScope(t.scope)))].sort().join('; '),
      since: Math.min(...members.map((t) => t.createdAt)),
      ...lastUseOf(members),
    };
  }

  function revoked(username: string, context: ActionContext, fields: { credential?: string; client_id?: string | null; action: string }) {
    deps.audit.record({ event: 'token_revoked', outcome: 'success', username, address: context.address, via: context.via, ...fields });
  }

  return {
    async list(username, currentSessionId) {
      const tokens = await liveTokensOf(username);
      const now = nowSeconds(clock);
      const over = (t: TokenRecord) => t.grantType === 'browser' && deps.idleTimeoutSeconds !== undefined && isIdle(t, now, deps.idleTimeoutSeconds);
      const browsers = tokens
        .filter((t) => t.kind === 'session' && !over(t))
        .map((t): BrowserEntry => ({
          id: t.id,
          kind: t.grantType === 'browser' ? 'browser' : 'photos',
          viaAppPassword: t.grantType === 'app_password',
          createdAt: t.createdAt,
          expiresAt: t.expiresAt,
          current: t.id === currentSessionId,
          ...lastUseOf([t]),
        }))
        .sort((a, b) => Number(b.current) - Number(a.current) || b.createdAt - a.createdAt);
      const byClient = new Map<string, TokenRecord[]>();
      for (const members of familiesOf(tokens, 'app').values()) {
        const clientId = members[0]?.clientId as string;
        byClient.set(clientId, [...(byClient.get(clientId) ?? []), ...members]);
      }
      const apps = await Promise.all([...byClient.values()].map(describe));
      const devices = await Promise.all([...familiesOf(tokens, 'device')].map(async ([id, members]) => ({ id, ...(await describe(members)) })));
      return {
        browsers,
        apps: apps.sort((a, b) => a.name.localeCompare(b.name) || a.since - b.since),
        devices: devices.sort((a, b) => b.since - a.since),
      };
    },

    async endSession(username, id, context) {
      const session = (await liveTokensOf(username)).find((t) => t.id === id && t.kind === 'session');
      if (session === undefined) throw notFound('session');
      await store.removeToken(session.id);
      revoked(username, context, { credential: session.id, action: 'session ended' });
    },

    async disconnectApp(username, clientId, context) {
      const tokens = (await store.listTokensOfUser(username)).filter((t) => t.clientId === clientId && originOf(t) === 'app');
      const now = nowSeconds(clock);
      if (familiesOf(tokens.filter((t) => t.expiresAt === null || t.expiresAt > now), 'app').size === 0) throw notFound('connected app');
      // Every family, even one that looks over: a refresh token rotated a moment ago still works
      // for the grace window (oauth/grants/refresh-token.ts).
      for (const family of new Set(tokens.map((t) => t.familyId as string))) await store.removeTokenFamily(family);
      await deps.consent.forget(username, clientId);
      revoked(username, context, { client_id: clientId, action: 'app disconnected' });
    },

    async unpairDevice(username, id, context) {
      const members = familiesOf(await liveTokensOf(username), 'device').get(id);
      if (members === undefined) throw notFound('paired device');
      await store.removeTokenFamily(id);
      revoked(username, context, { credential: id, client_id: members[0]?.clientId ?? null, action: 'device unpaired' });
    },
  };
}
