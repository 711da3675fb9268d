/**
 * Drift tests: photogate.schema.json and docs/configuration.md are what `npm run schema` makes of
 * the zod schema today, config.example.yaml names the schema for editors, and every key a file
 * may set has a description.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { configJsonSchema, configKeys } from '../../../src/config/config-json-schema.js';
import { configurationMarkdown } from '../../../src/config/config-reference.js';

const root = new URL('../../../', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, root), 'utf8');

t.test('photogate.schema.json is generated from the zod schema (run `npm run schema`)', async (t) => {
  t.same(JSON.parse(read('photogate.schema.json')), configJsonSchema());
});

t.test('docs/configuration.md is generated from the schema (run `npm run schema`)', async (t) => {
  t.equal(read('docs/configuration.md'), configurationMarkdown());
});

t.test('config.example.yaml names the schema on its first line', async (t) => {
  t.equal(read('config.example.yaml').split('\n')[0], '# yaml-language-server: $schema=./photogate.schema.json');
});

t.test('every key has a description, and the documentation lists it', async (t) => {
  const doc = read('docs/configuration.md');
  const keys = configKeys();
  t.ok(keys.length > 40, `${keys.length} keys`);
  for (const { path, schema } of keys) {
    t.ok(schema.description, `${path} has a description (.describe() in src/config/schema.ts)`);
    t.match(doc, `| \`${path}\` |`, `${path} is in docs/configuration.md`);
  }
});
