/**
 * A real WebDAV client end to end: rclone copies a tree of files up through the gateway to
 * `rclone serve webdav` (mounted at /originals, the built-in `webdav` route, as with PhotoPrism)
 * and back, with a username + app password over Basic, and the copy is byte-identical. A revoked
 * app password, a wrong one and another user's are refused, and nothing more lands upstream.
 * rclone is required (apt-get install rclone); a missing binary fails this file, never skips it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import t from 'tap';
import { obscure, rcloneEnv, rcloneQuickFlags, requireRclone, runRclone, startRcloneServe } from './helpers/rclone.js';
import { startTestGateway } from '../helpers/test-gateway.js';

t.setTimeout(110_000);
t.comment(requireRclone());

/** ~50 files: nested folders, spaces, unicode, reserved URL characters, random bytes, an empty file. */
function sampleTree(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  files.set('empty.txt', Buffer.alloc(0));
  files.set('big one.bin', randomBytes(300 * 1024));
  files.set('été/photo d’été 1.jpg', randomBytes(450 * 1024));
  files.set('100% sure.txt', Buffer.from('percent\n'));
  files.set('a #hash & plus+;semi.txt', Buffer.from('reserved characters\n'));
  files.set('日本/写真.txt', Buffer.from('unicode\n'));
  for (let i = 0; i < 44; i++) {
    const folder = ['', 'folder with spaces/', 'deep/er/est/', 'été/sous dossier/'][i % 4];
    files.set(`${folder}file ${i}.dat`, randomBytes(1 + ((i * 7919) % 20_000)));
  }
  return files;
}

async function writeTree(root: string, files: Map<string, Buffer>): Promise<void> {
  for (const [name, content] of files) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
}

/** Every file under root as `relative path -> sha256`, sorted by path. */
async function digestTree(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const digests: [string, string][] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    digests.push([
      path.slice(root.length + 1),
      createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    ]);
  }
  return Object.fromEntries(digests.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** How rclone reports the gateway's refusal: our error body, then the status line. */
const refusedByGateway = /"error":"invalid_token".*401 Unauthorized/;

/** The same secret with its last character changed. */
const wrongBy = (secret: string) => secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');

t.test('rclone copies a tree up and back with an app password; refused ones copy nothing', async (t) => {
  const dir = t.testdir({ served: {}, local: {}, back: {}, home: {}, gateway: {} });
  const served = join(dir, 'served');
  const home = join(dir, 'home');
  const upstream = await startRcloneServe(t, served, home, '/originals');
  const gw = await startTestGateway(t, { upstream, dir: join(dir, 'gateway') });
  await gw.addUser('admin', 'admin-password', { role: 'admin' });
  await gw.addUser('bob', 'bob-password', { role: 'user', webdav: true });
  const adminApp = await gw.addAppPassword('admin', 'webdav');
  const bobApp = await gw.addAppPassword('bob', 'webdav');

  /** rclone against the gateway as `user` with `secret`; the obscured password goes in the environment only. */
  async function rcloneAs(user: string, secret: string) {
    const env = rcloneEnv(home, {
      RCLONE_WEBDAV_URL: `${gw.url}/originals`,
      RCLONE_WEBDAV_VENDOR: 'other',
      RCLONE_WEBDAV_USER: user,
      RCLONE_WEBDAV_PASS: await obscure(secret, rcloneEnv(home)),
    });
    return (...args: string[]) => runRclone([...args, ...rcloneQuickFlags], env);
  }

  const files = sampleTree();
  await writeTree(join(dir, 'local'), files);
  const local = await digestTree(join(dir, 'local'));
  t.equal(Object.keys(local).length, files.size, `${files.size} files in the local tree`);

  const admin = await rcloneAs('admin', adminApp.secret);
  const up = await admin('copy', join(dir, 'local'), ':webdav:up');
  t.equal(up.code, 0, 'rclone copy up succeeds', { stderr: up.stderr });
  t.same(await digestTree(join(served, 'up')), local, 'the upstream holds every file, byte for byte');

  const back = await admin('copy', ':webdav:up', join(dir, 'back'));
  t.equal(back.code, 0, 'rclone copy back succeeds', { stderr: back.stderr });
  t.same(await digestTree(join(dir, 'back')), local, 'the copy back is byte-identical, same file list');

  const listed = await admin('lsf', '-R', '--files-only', ':webdav:up');
  t.same(
    listed.stdout.trim().split('\n').sort(),
    Object.keys(local).sort(),
    'rclone lists the same files through the gateway',
  );

  await writeFile(join(dir, 'local', 'late.txt'), 'a new file that no refused copy may deliver\n');
  const before = await digestTree(served);
  const refused: [string, Awaited<ReturnType<typeof rcloneAs>>][] = [
    ['a wrong password', await rcloneAs('admin', wrongBy(adminApp.secret))],
    ["another user's app password", await rcloneAs('admin', bobApp.secret)],
  ];
  t.equal((await gw.store.removeToken(adminApp.record.id))?.id, adminApp.record.id, 'the app password is revoked');
  refused.push(['the revoked app password', admin]);

  for (const [name, rclone] of refused) {
    const list = await rclone('lsf', ':webdav:up');
    t.not(list.code, 0, `${name}: rclone lsf fails`);
    t.match(list.stderr, refusedByGateway, `${name}: the gateway answered 401 invalid_token`);
    t.equal(list.stdout, '', `${name}: rclone lists nothing`);
    const copy = await rclone('copy', join(dir, 'local'), ':webdav:up');
    t.not(copy.code, 0, `${name}: rclone copy fails`);
    t.match(copy.stderr, refusedByGateway, `${name}: the copy is refused with 401 invalid_token`);
  }
  t.same(await digestTree(served), before, 'nothing new landed on the upstream');

  const bob = await rcloneAs('bob', bobApp.secret);
  const stillValid = await bob('lsf', ':webdav:up');
  t.equal(stillValid.code, 0, "bob's own app password still works", { stderr: stillValid.stderr });
});
