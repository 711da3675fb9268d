/**
 * The configuration's JSON Schema, generated from the zod schema the loader validates with, so
 * editors (yaml-language-server: `# yaml-language-server: $schema=./photogate.schema.json`)
 * complete and check the same keys photogate accepts. Draft-07: the draft editors support best.
 * photogate.schema.json at the repository root is this output (`npm run schema` writes it;
 * test/unit/config/schema-files.test.ts fails when it is stale).
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  format?: string;
  'x-restart'?: boolean;
  [key: string]: unknown;
};

export function configJsonSchema(): JsonSchema {
  // `input`: what a file may contain (keys with defaults are optional there).
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7' }) as JsonSchema;
  return { $schema: schema.$schema, title: 'photogate configuration', ...schema };
}

/** One line per key a file may set: its dotted path and its JSON Schema (leaves and arrays). */
export function configKeys(schema: JsonSchema = configJsonSchema()): { path: string; schema: JsonSchema }[] {
  const keys: { path: string; schema: JsonSchema }[] = [];
  const walk = (node: JsonSchema, prefix: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (child.type === 'object' && child.properties) walk(child, path);
      else keys.push({ path, schema: child });
    }
  };
  walk(schema, '');
  return keys;
}

/** Dotted paths of keys a running gateway cannot change (marked `x-restart`, sections included). */
export function restartKeys(schema: JsonSchema = configJsonSchema()): string[] {
  const paths: string[] = [];
  const walk = (node: JsonSchema, prefix: string, inherited: boolean) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const restart = inherited || child['x-restart'] === true;
      if (child.type === 'object' && child.properties) walk(child, path, restart);
      else if (restart) paths.push(path);
    }
  };
  walk(schema, '', false);
  return paths;
}
