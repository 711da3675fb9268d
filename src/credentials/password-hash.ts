/**
 * User passwords are hashed with argon2id. The production cost lives here and only here:
 * OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1), about a fifth of the argon2
 * package default's time on this hardware (HAZARDS H15), so a first login never stalls the
 * machine. Verification reads the parameters from the hash, so raising them later only affects
 * new hashes. Tests pass cheaper parameters through `createPasswordHasher`.
 */
import argon2 from 'argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a malformed hash; never throws for bad input. */
  verify(passwordHash: string, password: string): Promise<boolean>;
}

export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const productionArgon2Cost: Argon2Cost = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function createPasswordHasher(cost: Argon2Cost = productionArgon2Cost): PasswordHasher {
  return {
    hash: (password) => argon2.hash(password, { type: argon2.argon2id, ...cost }),
    async verify(passwordHash, password) {
      try {
        return await argon2.verify(passwordHash, password);
      } catch {
        return false;
      }
    },
  };
}
