/** The settings `clients add` takes and `clients mod` changes. */
export const clientSettingOptions = {
  name: { type: 'string', short: 'n' },
  role: { type: 'string', short: 'r' },
  scope: { type: 'string', short: 's' },
  expires: { type: 'string', short: 'e' },
  tokens: { type: 'string', short: 't' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
} as const;
