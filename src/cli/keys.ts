/**
 * `photogate keys`: the OpenID Connect signing keys. `rotate` adds a new key that signs from now
 * on; the old one stays published at /.well-known/jwks.json until every ID token it signed has
 * expired (oidc/signing-keys.ts). A running gateway picks the new key up from the store.
 */
import { systemClock } from '../clock.js';
import type { SigningKeyRecord } from '../store/records.js';
import { createCommandGroup, type Subcommand } from './command-group.js';
import { formatViews } from './table.js';

function keyView(key: SigningKeyRecord) {
  return { kid: key.kid, alg: key.alg, created_at: key.createdAt, published_until: key.publishedUntil };
}

const columns: [string, string][] = [
  ['Key ID', 'kid'],
  ['Algorithm', 'alg'],
  ['Created At', 'created_at'],
  ['Published Until', 'published_until'],
];

const rotate: Subcommand = {
  name: 'rotate',
  usage: '',
  summary: 'add a new ID token signing key; the old one stays published until its tokens expire',
  details: 'The algorithm is the configuration\'s oidc.signingAlg (RS256 by default).',
  async run(ctx) {
    return ctx.withStore(async (store, config) => {
      // Loaded here: the other commands never need jose.
      const { signingKeysFor } = await import('../oidc/create-oidc.js');
      const key = await signingKeysFor(config, store, systemClock).rotate();
      const views = (await store.listSigningKeys()).map(keyView);
      ctx.print({ rotated: keyView(key), keys: views }, () => `new signing key ${key.kid} (${key.alg})\n${formatViews(views, columns)}`);
      return 0;
    });
  },
};

const ls: Subcommand = {
  name: 'ls',
  usage: '',
  summary: 'list the ID token signing keys; a key without "published until" signs',
  async run(ctx) {
    const views = (await ctx.withStore((store) => store.listSigningKeys())).map(keyView);
    ctx.print(views, () => formatViews(views, columns));
    return 0;
  },
};

export const keysCommand = createCommandGroup({
  name: 'keys',
  summary: 'manage the OpenID Connect signing keys',
  subcommands: [rotate, ls],
});
