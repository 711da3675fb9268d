/**
 * What one group commit changed, record by record: the new version of every record put and the
 * key of every record deleted. It is what a journal line holds (store-journal.ts) and what every
 * process applies to its in-memory state, so a reload costs the size of the change, not of the
 * store. Applying it twice gives the same state (puts and deletes by key, no increments).
 */
import type { z } from 'zod';
import type { ClientRecord, GrantRecord, SigningKeyRecord, TokenRecord, UserRecord } from './records.js';
import { clientRecord, grantRecord, signingKeyRecord, tokenRecord, userRecord } from './records.js';

export interface TableRecords {
  users: UserRecord;
  clients: ClientRecord;
  tokens: TokenRecord;
  grants: GrantRecord;
  signingKeys: SigningKeyRecord;
}
export type TableName = keyof TableRecords;
export const tableNames: readonly TableName[] = ['users', 'clients', 'tokens', 'grants', 'signingKeys'];

/** Per table: key -> the record's new version, or null when it was deleted. */
export type ChangeSet = { [T in TableName]: Map<string, TableRecords[T] | null> };

export function emptyChangeSet(): ChangeSet {
  return { users: new Map(), clients: new Map(), tokens: new Map(), grants: new Map(), signingKeys: new Map() };
}

export function changeCount(changes: ChangeSet): number {
  return tableNames.reduce((sum, table) => sum + changes[table].size, 0);
}

export const keyOf: { [T in TableName]: (record: TableRecords[T]) => string } = {
  users: (user) => user.username,
  clients: (client) => client.clientId,
  tokens: (token) => token.id,
  grants: (grant) => grant.id,
  signingKeys: (key) => key.kid,
};

export const recordSchemas: { [T in TableName]: z.ZodType<TableRecords[T]> } = {
  users: userRecord as z.ZodType<UserRecord>,
  clients: clientRecord as z.ZodType<ClientRecord>,
  tokens: tokenRecord as z.ZodType<TokenRecord>,
  grants: grantRecord as z.ZodType<GrantRecord>,
  signingKeys: signingKeyRecord as z.ZodType<SigningKeyRecord>,
};

/** One journal line: `{"seq":N,"put":{"tokens":[...]},"delete":{"tokens":["id"]}}`, empty tables left out. */
export function encodeChangeLine(seq: number, changes: ChangeSet): string {
  const put: Record<string, unknown[]> = {};
  const del: Record<string, string[]> = {};
  for (const table of tableNames) {
    for (const [key, record] of changes[table] as Map<string, unknown>) {
      if (record === null) (del[table] ??= []).push(key);
      else (put[table] ??= []).push(record);
    }
  }
  return `${JSON.stringify({ seq, put, delete: del })}\n`;
}

/** Parses and checks one journal line; throws a TypeError saying what is wrong. */
export function decodeChangeLine(line: string): { seq: number; changes: ChangeSet } {
  const json = JSON.parse(line) as { seq?: unknown; put?: unknown; delete?: unknown };
  if (typeof json !== 'object' || json === null) throw new TypeError('not an object');
  const { seq } = json;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw new TypeError('no valid seq');
  const changes = emptyChangeSet();
  const put = objectOrEmpty(json.put, 'put');
  const del = objectOrEmpty(json.delete, 'delete');
  for (const table of tableNames) {
    for (const key of arrayOrEmpty(del[table], `delete.${table}`)) {
      if (typeof key !== 'string' || key === '') throw new TypeError(`delete.${table}: not a key`);
      changes[table].set(key, null);
    }
    for (const value of arrayOrEmpty(put[table], `put.${table}`)) {
      const parsed = recordSchemas[table].safeParse(value);
      if (!parsed.success) throw new TypeError(`put.${table}: ${parsed.error.issues[0]?.message ?? 'invalid record'}`);
      (changes[table] as Map<string, unknown>).set(keyOf[table](parsed.data as never), parsed.data);
    }
  }
  return { seq, changes };
}

function objectOrEmpty(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${name}: not an object`);
  const unknownTable = Object.keys(value).find((key) => !(tableNames as readonly string[]).includes(key));
  if (unknownTable !== undefined) throw new TypeError(`${name}: unknown table ${unknownTable}`);
  return value as Record<string, unknown>;
}

function arrayOrEmpty(value: unknown, name: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`${name}: not an array`);
  return value;
}
