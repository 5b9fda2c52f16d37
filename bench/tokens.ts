import jwt from 'jsonwebtoken';
import type { Config } from '../src/config';
import { systemClock } from '../src/platform/clock';
import { accessTokenAudience, createAccessTokens } from '../src/tokens/accessToken';
import { createKeyRing } from '../src/tokens/keyRing';
import { signingKeyPem } from './seed';

/** One micro-benchmark's figures. */
export interface MicroRow {
  name: string;
  iterations: number;
  opsPerS: number;
  usPerOp: number;
}

interface MicroOp {
  name: string;
  op: () => unknown;
}

/**
 * Runs each op in `rounds` interleaved slices (so drift from other load on the machine falls on all of them
 * alike), each slice up to `iterations / rounds` calls or `maxMs / rounds`, after a short warm-up.
 */
function microSuite(ops: MicroOp[], iterations: number, maxMs: number, rounds = 3): MicroRow[] {
  const totals = ops.map(() => ({ calls: 0, ms: 0 }));
  for (const { op } of ops) for (let i = 0; i < 100; i++) op();
  for (let round = 0; round < rounds; round++) {
    ops.forEach(({ op }, index) => {
      const total = totals[index] ?? { calls: 0, ms: 0 };
      const started = performance.now();
      let calls = 0;
      while (calls < iterations / rounds && performance.now() - started < maxMs / rounds) {
        for (let i = 0; i < 25; i++) op();
        calls += 25;
      }
      total.calls += calls;
      total.ms += performance.now() - started;
    });
  }
  return ops.map(({ name }, index) => {
    const { calls, ms } = totals[index] ?? { calls: 0, ms: 1 };
    return { name, iterations: calls, opsPerS: (calls / ms) * 1000, usPerOp: (ms * 1000) / calls };
  });
}

/**
 * Signing and verifying, in this process: the service's `issueAccessToken` / `verifyAccessToken` for each
 * algorithm, and jsonwebtoken given the same key as a KeyObject (what the key ring holds) and as PEM text (which
 * jsonwebtoken parses again on every call). `maxMs` bounds each operation's total time.
 */
export function tokenMicroBenchmarks(config: Pick<Config, 'publicUrl' | 'jwt'>, maxMs: number): MicroRow[] {
  const grant = {
    supporterId: 'sup_bench',
    entitlements: ['hide_support_asks' as const],
    tier: 'supporter',
    recurring: false,
    validUntilMs: Date.now() + 30 * 86_400_000,
  };
  const ops: MicroOp[] = [];
  for (const alg of ['ES256', 'RS256'] as const) {
    const pem = signingKeyPem(alg);
    const keyRing = createKeyRing(pem);
    const tokens = createAccessTokens({ keyRing, clock: systemClock, config });
    const { active } = keyRing;
    const publicPem = active.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { claims, token } = tokens.issueAccessToken(grant);
    const options: jwt.SignOptions = { algorithm: alg, header: { alg, typ: 'JWT', kid: active.kid } };
    const verifyOptions: jwt.VerifyOptions = {
      algorithms: [alg],
      issuer: config.publicUrl,
      audience: accessTokenAudience,
    };
    ops.push(
      {
        name: `${alg} sign: issueAccessToken (service, KeyObject)`,
        op: () => tokens.issueAccessToken(grant),
      },
      { name: `${alg} sign: jwt.sign, KeyObject`, op: () => jwt.sign(claims, active.privateKey, options) },
      { name: `${alg} sign: jwt.sign, PEM string`, op: () => jwt.sign(claims, pem, options) },
      {
        name: `${alg} verify: verifyAccessToken (service, KeyObject)`,
        op: () => tokens.verifyAccessToken(token),
      },
      {
        name: `${alg} verify: jwt.verify, KeyObject`,
        op: () => jwt.verify(token, active.publicKey, verifyOptions),
      },
      {
        name: `${alg} verify: jwt.verify, PEM string`,
        op: () => jwt.verify(token, publicPem, verifyOptions),
      },
    );
  }
  return microSuite(ops, 30_000, maxMs);
}
