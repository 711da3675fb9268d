/**
 * Notes the credential of every request checked through it in the usage recorder
 * (token-usage.ts): after the check, so a refused credential is never recorded, with the client
 * address the check was given (http/client-address.ts, trustedProxies honoured). A cached
 * credential stays answered without a promise. User passwords have no record to note.
 */
import type { AuthenticateFrom } from './limit-password-checks.js';
import type { Principal } from './principal.js';
import type { TokenUsage } from './token-usage.js';

export function recordCredentialUses(authenticate: AuthenticateFrom, usage: TokenUsage): AuthenticateFrom {
  const note = (principal: Principal, address: string): Principal => {
    if (principal.credentialId !== null) usage.record(principal.credentialId, address);
    return principal;
  };
  return (credential, address) => {
    const principal = authenticate(credential, address);
    return principal instanceof Promise ? principal.then((verified) => note(verified, address)) : note(principal, address);
  };
}
