/**
 * How the store file (the snapshot) is laid out: ordinary JSON, one record per line, so it can be
 * written and read a slice at a time without ever holding the whole text (issue 6 point 4: a
 * JSON.stringify of 100,000 records blocks the event loop ~300 ms and doubles memory):
 *
 *   {"version":1,"journal":{"id":"…","seq":42},
 *   "users":[
 *   {"username":"alice",…},
 *   {"username":"bob",…}
 *   ],
 *   "clients":[
 *   ],
 *   "tokens":[
 *   …
 *   ],
 *   "grants":[
 *   ],
 *   "signingKeys":[
 *   ]}
 *
 * Any JSON store still loads (a hand-edited file, one written by an older photogate): a file that
 * does not follow this layout line for line is parsed whole and checked by the zod schema, which
 * also gives the error for a corrupt one.
 */
import type { TableName, TableRecords } from './change-set.js';
import { isPlainTokenRecord } from './check-token-record.js';
import { recordSchemas, tableNames } from './change-set.js';
import type { SnapshotJournal } from './records.js';
import { snapshotJournal } from './records.js';

/** A table left out (signingKeys, by a writer older than it) is written empty. */
export type SnapshotRecords = { [T in Exclude<TableName, 'signingKeys'>]: readonly TableRecords[T][] } & {
  signingKeys?: readonly TableRecords['signingKeys'][];
};

/** The file's text in slices of at most `recordsPerSlice` records, for a writer that yields between them. */
export function* snapshotSlices(
  records: SnapshotRecords,
  journal: SnapshotJournal | undefined,
  recordsPerSlice: number,
): Generator<string> {
  let text = journal ? `{"version":1,"journal":${JSON.stringify({ id: journal.id, seq: journal.seq })},\n` : '{"version":1,\n';
  for (const [t, table] of tableNames.entries()) {
    text += `"${table}":[\n`;
    // A table the data does not have yet (written by code older than the table) is empty.
    const list = (records[table] ?? []) as readonly unknown[];
    for (let i = 0; i < list.length; i++) {
      text += `${JSON.stringify(list[i])}${i < list.length - 1 ? ',' : ''}\n`;
      if ((i + 1) % recordsPerSlice === 0) {
        yield text;
        text = '';
      }
    }
    text += t < tableNames.length - 1 ? '],\n' : ']}\n';
  }
  yield text;
}

/** The layout does not match: the caller parses the file whole instead. */
export class NotLineLayout extends Error {}

/**
 * Reads the layout above line by line: `push` each decoded chunk, `end` at the end of the file.
 * Records go to `onRecord` as they are parsed (checked by their zod schema); anything that is not
 * exactly this layout throws NotLineLayout.
 */
export class SnapshotLineReader {
  journal: SnapshotJournal | undefined;
  readonly #onRecord: <T extends TableName>(table: T, record: TableRecords[T]) => void;
  #pending = '';
  #line = 0;
  /** Index of the table being read; its opening line is next while `#open` is false. */
  #table = 0;
  #open = false;
  #done = false;
  /** Records read in the current table, and whether the last one ended with a comma. */
  #records = 0;
  #comma = false;

  constructor(onRecord: <T extends TableName>(table: T, record: TableRecords[T]) => void) {
    this.#onRecord = onRecord;
  }

  push(text: string): void {
    const lines = (this.#pending + text).split('\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.#take(line);
  }

  end(): void {
    if (this.#pending !== '') this.#take(this.#pending);
    if (!this.#done) throw new NotLineLayout('ends early');
  }

  #take(line: string): void {
    const n = ++this.#line;
    const table = tableNames[this.#table] as TableName;
    if (this.#done) {
      if (line.trim() !== '') throw new NotLineLayout(`text after the end, line ${n}`);
    } else if (n === 1) {
      this.#header(line.replace(/^\uFEFF/, ''));
    } else if (!this.#open) {
      if (line !== `"${table}":[`) throw new NotLineLayout(`line ${n}`);
      this.#open = true;
      this.#records = 0;
    } else if (line === '],' || line === ']}') {
      const last = this.#table === tableNames.length - 1;
      if (this.#comma || line !== (last ? ']}' : '],')) throw new NotLineLayout(`line ${n}`);
      this.#open = false;
      this.#done = last;
      this.#table++;
    } else {
      if (this.#records > 0 && !this.#comma) throw new NotLineLayout(`line ${n}`);
      this.#comma = line.endsWith(',');
      this.#records++;
      this.#record(table, this.#comma ? line.slice(0, -1) : line, n);
    }
  }

  #header(line: string): void {
    const match = /^\{"version":1,(?:"journal":(\{[^{}]*\}),)?$/.exec(line);
    if (!match) throw new NotLineLayout('header');
    if (match[1] === undefined) return;
    const journal = journalOfHeader(line);
    if (!journal) throw new NotLineLayout('journal pointer');
    this.journal = journal;
  }

  #record(table: TableName, text: string, n: number): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new NotLineLayout(`line ${n}`);
    }
    if (table === 'tokens' && isPlainTokenRecord(json)) return this.#onRecord('tokens', json);
    const parsed = recordSchemas[table].safeParse(json);
    if (!parsed.success) throw new NotLineLayout(`line ${n}`);
    this.#onRecord(table, parsed.data as TableRecords[typeof table]);
  }
}

/** The journal pointer of a file in this layout, from its first line; undefined when it has none or is another layout. */
export function journalOfHeader(firstBytes: string): SnapshotJournal | undefined {
  const line = firstBytes.replace(/^\uFEFF/, '').split('\n', 1)[0] ?? '';
  const match = /^\{"version":1,"journal":(\{[^{}]*\}),$/.exec(line);
  if (!match?.[1]) return undefined;
  try {
    const parsed = snapshotJournal.safeParse(JSON.parse(match[1]));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
