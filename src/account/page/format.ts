/** How the account page writes times: a date (UTC, ISO 8601) or "never". */
export function formatDate(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? 'never' : new Date(seconds * 1000).toISOString().slice(0, 10);
}
