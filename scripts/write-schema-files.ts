/**
 * `npm run schema`: writes photogate.schema.json and docs/configuration.md from the zod schema.
 * test/unit/config/schema-files.test.ts fails until this has run after a change of the schema.
 */
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/config-json-schema.js';
import { configurationMarkdown } from '../src/config/config-reference.js';

const root = new URL('../../', import.meta.url);
writeFileSync(new URL('photogate.schema.json', root), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
writeFileSync(new URL('docs/configuration.md', root), configurationMarkdown());
process.stdout.write('wrote photogate.schema.json and docs/configuration.md\n');
