/**
 * The Docker image's Dockerfile, linted without Docker (which cannot run on the test machine):
 * dockerfile-utils (the validator behind the Dockerfile language server) must report nothing,
 * and the image must keep what operators rely on (issue 16 point 7): a HEALTHCHECK on readiness,
 * a non-root user, and an exec-form ENTRYPOINT so SIGTERM and SIGHUP reach photogate, not a
 * shell. Each rule is also shown to catch a Dockerfile that breaks it.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { validate } from 'dockerfile-utils';

const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

/** Instructions with their arguments, continuation lines joined, comments dropped. */
function instructions(text: string): { name: string; args: string }[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [name = '', ...rest] = line.trim().split(/\s+/);
      return { name: name.toUpperCase(), args: rest.join(' ') };
    });
}

const rules: { name: string; check(text: string): boolean }[] = [
  { name: 'dockerfile-utils reports no problem', check: (text) => validate(text).length === 0 },
  {
    name: 'the last stage runs as a non-root user',
    check(text) {
      const list = instructions(text);
      const lastFrom = list.map((i) => i.name).lastIndexOf('FROM');
      const user = list.slice(lastFrom).filter((i) => i.name === 'USER').pop()?.args;
      return user !== undefined && !/^(root|0)(:|$)/.test(user);
    },
  },
  {
    name: 'HEALTHCHECK asks /readyz, in exec form',
    check: (text) => instructions(text).some((i) => i.name === 'HEALTHCHECK' && /CMD \[/.test(i.args) && i.args.includes('/readyz')),
  },
  {
    name: 'ENTRYPOINT in exec form starts node itself (signals reach photogate)',
    check(text) {
      const entry = instructions(text).filter((i) => i.name === 'ENTRYPOINT').pop();
      if (!entry?.args.startsWith('[')) return false;
      const argv = JSON.parse(entry.args) as string[];
      return argv[0] === 'node' || argv[0] === 'tini' || argv[0] === '/usr/bin/tini';
    },
  },
  { name: 'no shell-form CMD', check: (text) => instructions(text).filter((i) => i.name === 'CMD').every((i) => i.args.startsWith('[')) },
  { name: 'every FROM names a tag other than latest', check: (text) => instructions(text).filter((i) => i.name === 'FROM').every((i) => /:[\w.-]+/.test(i.args) && !/:latest\b/.test(i.args)) },
];

t.test('the Dockerfile passes every rule', async (t) => {
  t.same(validate(dockerfile), [], 'dockerfile-utils diagnostics');
  for (const rule of rules) t.ok(rule.check(dockerfile), rule.name);
});

const broken: { name: string; rule: string; edit(text: string): string }[] = [
  { name: 'unknown instruction', rule: 'dockerfile-utils reports no problem', edit: (text) => `${text}\nFOO bar\n` },
  { name: 'bad HEALTHCHECK duration', rule: 'dockerfile-utils reports no problem', edit: (text) => text.replace('--interval=30s', '--interval=soon') },
  { name: 'runs as root', rule: 'the last stage runs as a non-root user', edit: (text) => text.replace(/^USER node$/m, 'USER root') },
  { name: 'no USER', rule: 'the last stage runs as a non-root user', edit: (text) => text.replace(/^USER node$/m, '') },
  { name: 'liveness only', rule: 'HEALTHCHECK asks /readyz, in exec form', edit: (text) => text.replace('/readyz', '/healthz') },
  { name: 'shell-form entrypoint', rule: 'ENTRYPOINT in exec form starts node itself (signals reach photogate)', edit: (text) => text.replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT node dist/src/main.js') },
  { name: 'entrypoint through sh -c', rule: 'ENTRYPOINT in exec form starts node itself (signals reach photogate)', edit: (text) => text.replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT ["sh", "-c", "node dist/src/main.js"]') },
  { name: 'shell-form CMD', rule: 'no shell-form CMD', edit: (text) => text.replace(/^CMD \["start"\]$/m, 'CMD start') },
  { name: 'latest tag', rule: 'every FROM names a tag other than latest', edit: (text) => text.replace(/^FROM node:24-slim$/m, 'FROM node:latest') },
];

t.test('each rule catches a Dockerfile that breaks it', async (t) => {
  for (const { name, rule, edit } of broken) {
    const text = edit(dockerfile);
    t.not(text, dockerfile, `${name}: the edit applies`);
    t.notOk(rules.find((r) => r.name === rule)!.check(text), `${name}: ${rule}`);
  }
});
