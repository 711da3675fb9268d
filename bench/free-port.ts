/**
 * A loopback port that was free a moment ago (listen on 0, read it, close), for servers that
 * cannot listen on port 0 and report the port themselves (Caddy, PostgreSQL, Apache, ...).
 * Shared by the benchmark and, through test/helpers/daemon.ts, the tests.
 */
import { type AddressInfo, createServer } from 'node:net';

export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
