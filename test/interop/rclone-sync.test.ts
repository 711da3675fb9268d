/**
 * rclone as a real WebDAV client of a `photogate start` process in front of `rclone serve
 * webdav`: `rclone sync` of a generated tree (520 files in nested folders, names with spaces,
 * unicode and `%`, one file over 100 MB) up and back, once with a username and app password
 * (Basic) and once with a session token (`bearer_token`); both copies are byte-identical. An app
 * password with scope `webdav read` lists and downloads, and every write it tries (copy, mkdir,
 * delete, move, and the raw WebDAV methods) is answered 403 by the gateway and changes nothing.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startRcloneServe } from './helpers/rclone.js';
import { basic } from '../helpers/test-gateway.js';
import { digestTree, writeFileTree } from './helpers/file-tree.js';
import { startInteropGateway } from './helpers/interop-gateway.js';
import { rcloneClient } from './helpers/rclone-client.js';
import { requireTool, tools } from './helpers/require-tool.js';

t.setTimeout(540_000);

const smallFiles = 520;
const bigBytes = 101 * 1024 * 1024;

t.test('rclone sync up and back through photogate: Basic app password, bearer token, read-only app password', async (t) => {
  t.comment(await requireTool(tools.rclone));
  const dir = t.testdir({ served: {}, home: {}, local: {}, gateway: {} });
  const served = join(dir, 'served');
  const home = join(dir, 'home');
  const local = join(dir, 'local');
  const upstream = await startRcloneServe(t, served, home, '');
  const gw = await startInteropGateway(t, { upstream, dir: join(dir, 'gateway'), routes: 'webdav-root' });
  await gw.addUser('alice', 'alice-password', { webdav: true });

  const names = await writeFileTree(local, smallFiles, bigBytes);
  const expected = await digestTree(local);
  t.equal(Object.keys(expected).length, smallFiles + 1, `${names.length} files in the local tree, one of ${bigBytes} bytes`);

  const session = await fetch(`${gw.url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'alice-password' }),
  });
  t.equal(session.status, 200, 'alice signs in through the session API');
  const bearerToken = ((await session.json()) as { access_token: string }).access_token;

  const credentials = [
    { name: 'Basic with an app password', folder: 'basic', credential: { kind: 'basic', username: 'alice', password: await gw.addAppPassword('alice', 'webdav') } },
    { name: 'a bearer token', folder: 'bearer', credential: { kind: 'bearer', token: bearerToken } },
  ] as const;
  for (const { name, folder, credential } of credentials) {
    const rclone = await rcloneClient(`${gw.url}/`, home, credential);
    const started = performance.now();
    const up = await rclone('sync', local, `:webdav:${folder}`);
    t.equal(up.code, 0, `${name}: rclone sync up succeeds`, { stderr: up.stderr.slice(-4000) });
    t.same(await digestTree(join(served, folder)), expected, `${name}: the upstream holds every file, byte for byte`);

    const back = join(dir, `back-${folder}`);
    const down = await rclone('sync', `:webdav:${folder}`, back);
    t.equal(down.code, 0, `${name}: rclone sync back succeeds`, { stderr: down.stderr.slice(-4000) });
    t.same(await digestTree(back), expected, `${name}: the copy back is byte-identical, same file list`);
    t.comment(`${name}: sync up and back in ${Math.round(performance.now() - started)} ms`);

    const again = await rclone('sync', local, `:webdav:${folder}`, '--stats-one-line', '-v');
    t.equal(again.code, 0, `${name}: a second sync succeeds`);
    t.match(again.stderr, /There was nothing to transfer|Transferred:\s+0 B/, `${name}: and transfers nothing`);
    await rm(back, { recursive: true, force: true });
    if (folder === 'bearer') await rm(join(served, folder), { recursive: true, force: true });
  }

  // A read-only app password, against the tree the Basic round left upstream.
  const readOnlyPassword = await gw.addAppPassword('alice', 'webdav read');
  const readOnly = await rcloneClient(`${gw.url}/`, home, { kind: 'basic', username: 'alice', password: readOnlyPassword });
  const before = await digestTree(served);
  const listed = await readOnly('lsf', '-R', '--files-only', ':webdav:basic');
  t.equal(listed.code, 0, 'read-only: rclone lists the tree', { stderr: listed.stderr });
  t.same(listed.stdout.trim().split('\n').sort(), Object.keys(expected).sort(), 'read-only: every file is listed');
  const someFile = names[7] as string;
  const download = await readOnly('copyto', `:webdav:basic/${someFile}`, join(dir, 'downloaded', 'one.dat'));
  t.equal(download.code, 0, 'read-only: rclone downloads a file', { stderr: download.stderr });
  t.equal((await digestTree(join(dir, 'downloaded')))['one.dat'], expected[someFile], 'read-only: the download is byte-identical');

  /** rclone prints the gateway's error body and the status line of a refused request. */
  const refused = /"error":"insufficient_scope".*403 Forbidden|403 Forbidden.*insufficient_scope/;
  const writes: [string, string[]][] = [
    ['copy a new file up', ['copyto', join(local, names[1] as string), ':webdav:basic/new file.dat']],
    ['mkdir', ['mkdir', ':webdav:basic/new folder']],
    ['delete a file', ['deletefile', `:webdav:basic/${names[2] as string}`]],
    ['move a file', ['moveto', `:webdav:basic/${names[3] as string}`, ':webdav:basic/moved.dat']],
    ['purge a folder', ['purge', ':webdav:basic/folder with spaces']],
  ];
  for (const [what, args] of writes) {
    const result = await readOnly(...args);
    t.not(result.code, 0, `read-only: rclone ${what} fails`);
    t.match(result.stderr, refused, `read-only: rclone ${what} is refused by the gateway with 403`, { stderr: result.stderr });
  }
  const target = `${gw.url}/basic/${(names[4] as string).split('/').map(encodeURIComponent).join('/')}`;
  for (const method of ['PUT', 'MKCOL', 'DELETE', 'MOVE', 'COPY', 'PROPPATCH', 'LOCK']) {
    const res = await fetch(target, {
      method,
      headers: { authorization: basic('alice', readOnlyPassword), destination: `${gw.url}/basic/elsewhere.dat` },
      body: method === 'PUT' ? 'overwritten' : undefined,
    });
    t.equal(res.status, 403, `read-only: ${method} answered 403`);
    t.equal(((await res.json()) as { error: string }).error, 'insufficient_scope', `read-only: ${method} is out of scope`);
  }
  const get = await fetch(target, { headers: { authorization: basic('alice', readOnlyPassword) } });
  t.equal(get.status, 200, 'read-only: the same file can be read with a plain GET');
  await get.arrayBuffer();
  t.same(await digestTree(served), before, 'read-only: nothing changed upstream');
});
