/**
 * Cache coherence between replicas (issue 17 point 4). Every write NOTIFYs what it changed on
 * `photogate_changes`, inside its transaction, so the message goes out exactly when the write
 * commits. Each gateway LISTENs on a connection of its own and announces other processes'
 * changes to its caches.
 * A missed message must never keep a revoked credential alive, so the store is *coherent* only
 * while that connection is up and answering a heartbeat: when it drops, or a heartbeat gets no
 * answer within `heartbeatTimeoutMs`, the store announces `all-changed` with `coherent: false`
 * (caches empty themselves and keep nothing) and reconnects; once LISTEN is in place again it
 * announces `coherent: true`, and caches fill again from reads made after that point.
 * Pinned by test/unit/store/pg-coherence.test.ts.
 */
import pg from 'pg';
import type { StoreChange } from '../store.js';

export const channel = 'photogate_changes';
/** NOTIFY payloads must stay under 8000 bytes. */
const maxPayloadBytes = 7_000;
/** Past this many changes one write says "everything changed" instead of listing them. */
const maxListedChanges = 200;

export interface ChangeMessage {
  /** The process that wrote: it announced its own changes already. */
  origin: string;
  changes?: StoreChange[];
  all?: true;
}

/** The NOTIFY payloads announcing `changes`: lists that fit, or one `all`. */
export function changePayloads(origin: string, changes: readonly StoreChange[]): string[] {
  if (changes.length === 0) return [];
  if (changes.length > maxListedChanges) return [JSON.stringify({ origin, all: true } satisfies ChangeMessage)];
  const payloads: string[] = [];
  let batch: StoreChange[] = [];
  const flush = () => {
    if (batch.length > 0) payloads.push(JSON.stringify({ origin, changes: batch } satisfies ChangeMessage));
    batch = [];
  };
  let size = 0;
  for (const change of changes) {
    const bytes = Buffer.byteLength(JSON.stringify(change)) + 1;
    if (size + bytes > maxPayloadBytes - 100) {
      flush();
      size = 0;
    }
    batch.push(change);
    size += bytes;
  }
  flush();
  return payloads;
}

export interface ChangeListenerOptions {
  connectionString: string;
  origin: string;
  announce(changes: readonly StoreChange[]): void;
  /** Other channels to LISTEN on, and what receives their payloads. */
  channels?: Record<string, (payload: string) => void>;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  warn(message: string): void;
}

export class ChangeListener {
  readonly #options: Required<ChangeListenerOptions>;
  #client: pg.Client | undefined;
  #coherent = false;
  #closed = false;
  #reconnectDelayMs = 100;
  #heartbeat: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #lastAnswerMs = 0;

  constructor(options: ChangeListenerOptions) {
    this.#options = { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 1500, channels: {}, ...options };
  }

  get coherent(): boolean {
    return this.#coherent;
  }

  /** Connects and LISTENs; rejects when the first attempt fails (the caller decides). */
  async start(): Promise<void> {
    await this.#connect();
    this.#heartbeat = setInterval(() => this.#beat(), this.#options.heartbeatIntervalMs).unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#reconnect);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      connectionTimeoutMillis: this.#options.heartbeatTimeoutMs,
      application_name: 'photogate-listener',
      keepAlive: true,
    });
    client.on('error', () => this.#lost(client, 'notification connection failed'));
    client.on('end', () => this.#lost(client, 'notification connection closed'));
    client.on('notification', (message) => {
      if (message.channel === channel) this.#receive(message.payload);
      else if (message.payload !== undefined) this.#options.channels[message.channel]?.(message.payload);
    });
    try {
      await client.connect();
      for (const name of [channel, ...Object.keys(this.#options.channels)]) await client.query(`LISTEN ${name}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#lastAnswerMs = performance.now();
    this.#reconnectDelayMs = 100;
    this.#coherent = true;
    // Caught up: caches were emptied when coherence was lost and fill again from reads made now.
    this.#options.announce([{ type: 'all-changed', coherent: true }]);
  }

  #receive(payload: string | undefined): void {
    if (payload === undefined) return;
    let message: ChangeMessage;
    try {
      message = JSON.parse(payload) as ChangeMessage;
    } catch {
      this.#options.warn('ignored a malformed change notification');
      return;
    }
    if (message.origin === this.#options.origin) return;
    if (message.all) this.#options.announce([{ type: 'all-changed', coherent: true }]);
    else if (Array.isArray(message.changes)) this.#options.announce(message.changes);
  }

  #beat(): void {
    const client = this.#client;
    if (!client) return;
    if (performance.now() - this.#lastAnswerMs > this.#options.heartbeatTimeoutMs) {
      this.#lost(client, 'notification connection stopped answering');
      return;
    }
    client.query('SELECT 1').then(
      () => {
        if (client === this.#client) this.#lastAnswerMs = performance.now();
      },
      () => this.#lost(client, 'notification connection failed'),
    );
  }

  /** Once per connection: stop trusting caches, drop the connection, reconnect with backoff. */
  #lost(client: pg.Client, reason: string): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.#coherent) {
      this.#coherent = false;
      this.#options.warn(`${reason}: caches emptied until it is back`);
      this.#options.announce([{ type: 'all-changed', coherent: false }]);
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    this.#reconnect = setTimeout(() => {
      this.#connect().catch(() => {
        this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, 1000);
        this.#scheduleReconnect();
      });
    }, this.#reconnectDelayMs).unref();
  }
}
