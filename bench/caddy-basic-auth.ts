/**
 * Caddy (Debian `caddy`) with `basic_auth` in front of the bench upstream: the peer a self-hoster
 * would otherwise pick. The config is JSON, written to the run's temporary directory, equivalent
 * to this Caddyfile (`basicauth` is the directive's name in Caddy 2.6):
 *
 *   http://127.0.0.1:PORT {
 *     basicauth { bench <bcrypt hash from `caddy hash-password`> }
 *     reverse_proxy UPSTREAM
 *   }
 *
 * Caddy's hash cache (`hash_cache` of `http.authentication.providers.http_basic`) is ON: the
 * Caddyfile adapter adds `"hash_cache": {}` to every basicauth (see `caddy adapt` on the Caddyfile
 * above, Caddy 2.6.2), and we set it explicitly. With it, bcrypt (cost 14, ~1 s here) runs once
 * per credential and later requests compare against the cached result, which makes it the fair
 * peer of photogate's credential cache. Listens on loopback only, admin API off, no access log
 * (Caddy's default), automatic HTTPS off.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, type StartedChild } from './child-processes.js';
import { findFreePort } from './free-port.js';

export interface CaddyBasicAuth {
  process: StartedChild;
  url: string;
  username: string;
  password: string;
}

export async function startCaddyBasicAuth(upstreamUrl: string, workDir: string): Promise<CaddyBasicAuth> {
  const username = 'bench';
  const password = 'caddy-bench-password';
  const hash = execFileSync('caddy', ['hash-password', '--plaintext', password], { encoding: 'utf8' }).trim();
  const port = await findFreePort();
  const upstream = new URL(upstreamUrl);
  const config = {
    admin: { disabled: true },
    apps: {
      http: {
        servers: {
          bench: {
            listen: [`127.0.0.1:${port}`],
            automatic_https: { disable: true },
            routes: [
              {
                handle: [
                  {
                    handler: 'authentication',
                    providers: {
                      http_basic: {
                        accounts: [{ username, password: hash }],
                        hash: { algorithm: 'bcrypt' },
                        hash_cache: {},
                      },
                    },
                  },
                  { handler: 'reverse_proxy', upstreams: [{ dial: upstream.host }] },
                ],
              },
            ],
          },
        },
      },
    },
  };
  const file = join(workDir, 'caddy.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const env = { ...process.env, HOME: workDir, XDG_CONFIG_HOME: workDir, XDG_DATA_HOME: workDir };
  const started = await startChild('caddy', 'caddy', ['run', '--config', file], { readyPort: port, env, cwd: workDir });
  return { process: started, url: `http://127.0.0.1:${port}`, username, password };
}
