import { generateKeyPairSync } from 'node:crypto';
import {
  type BrowserHarness,
  decisionOf,
  foreignToken,
  type PageUnderTest,
  signWith,
  startHarness,
  storedToken,
  tamper,
} from './harness';

jest.setTimeout(60_000);

/** Loads the article with a token in storage; answers whether the ask showed and what is left in storage. */
async function visitWith(h: BrowserHarness, p: PageUnderTest, token: string) {
  await h.storeToken(p, token);
  await p.page.goto(`${h.siteUrl}/article`);
  await p.page.waitForSelector('html[data-support-decision]', { state: 'attached' });
  const decision = await decisionOf(p.page);
  if (decision === 'reader') await p.page.getByRole('button', { name: 'Soutenez-nous maintenant' }).waitFor();
  return {
    decision,
    askVisible: await p.page.locator('#ask').isVisible(),
    stored: await storedToken(p.page),
  };
}

describe('tokens the banner must not believe (ES256 service)', () => {
  let h: BrowserHarness;
  const open: PageUnderTest[] = [];
  beforeAll(async () => {
    h = await startHarness();
    h.sitePage('/article', h.articleHtml({ scriptAttributes: 'data-debug' }));
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.context.close()));
  });
  afterAll(() => h.close());
  const newPage = async () => {
    const p = await h.newPage();
    open.push(p);
    return p;
  };

  it('an expired token is not believed: the ask shows and the token is dropped once renewal fails', async () => {
    const p = await newPage();
    const expired = h.token({ issuedAtMs: Date.now() - 2 * 3600_000 }).token;
    const seen = await visitWith(h, p, expired);
    expect(seen).toEqual({ decision: 'reader', askVisible: true, stored: null });
    // Genuine but expired: the refresh cookie may still be good, so renewal is tried once before giving up.
    expect(p.serviceRequests).toEqual([
      'GET /.well-known/jwks.json',
      'POST /v1/tokens/refresh',
      'GET /v1/config',
    ]);
    expect(p.pageErrors).toEqual([]);
  });

  const forgeries: [string, string, (h: BrowserHarness) => string][] = [
    [
      'a genuine token whose claims were edited (a later exp)',
      'bad signature',
      (h) => tamper(h.token().token, (claims) => Object.assign(claims, { exp: Number(claims.exp) + 86_400 })),
    ],
    [
      'a genuine token given the entitlement it lacked',
      'bad signature',
      (h) =>
        tamper(h.token({ entitlements: ['read_premium'] }).token, (claims) =>
          Object.assign(claims, { ent: ['hide_support_asks'] }),
        ),
    ],
    [
      "a token signed by another key under the service's kid",
      'bad signature',
      (h) => foreignToken(h.keyRing.active.kid, h.t.config.publicUrl),
    ],
    [
      'a token from another issuer, signed by the right key',
      'wrong issuer',
      (h) =>
        signWith(h.keyRing.active.privateKey, 'ES256', h.keyRing.active.kid, { iss: 'https://evil.example' }),
    ],
    [
      'a token for another audience, signed by the right key',
      'wrong audience',
      (h) =>
        signWith(h.keyRing.active.privateKey, 'ES256', h.keyRing.active.kid, {
          iss: h.t.config.publicUrl,
          aud: 'someone-else',
        }),
    ],
    [
      'an unsigned token (alg none)',
      'algorithm not allowed',
      (h) => {
        const [header, payload] = h.token().token.split('.') as [string, string];
        const none = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
        none.alg = 'none';
        return `${Buffer.from(JSON.stringify(none)).toString('base64url')}.${payload}.`;
      },
    ],
    [
      "an HS256 token keyed with the service's public key (algorithm confusion)",
      'algorithm not allowed',
      (h) =>
        signWith(Buffer.from(JSON.stringify(h.keyRing.active.jwk)), 'HS256', h.keyRing.active.kid, {
          iss: h.t.config.publicUrl,
        }),
    ],
    [
      'a token with typ other than JWT',
      'wrong typ',
      (h) => {
        const [header, payload, signature] = h.token().token.split('.') as [string, string, string];
        const changed = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
        changed.typ = 'at+jwt';
        return `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${payload}.${signature}`;
      },
    ],
    ['text that is not a JWT at all', 'malformed', () => 'not-a-token'],
  ];

  it.each(forgeries)(
    '%s is refused (%s): the ask shows, the token is dropped, no renewal is tried',
    async (_name, reason, forge) => {
      const p = await newPage();
      const seen = await visitWith(h, p, forge(h));
      expect(p.consoleMessages).toContain(`[reader-support] stored token refused: ${reason}`);
      expect(seen).toEqual({ decision: 'reader', askVisible: true, stored: null });
      expect(p.serviceRequests).not.toContain('POST /v1/tokens/refresh');
      expect(p.pageErrors).toEqual([]);
    },
  );

  it('a token with an unknown kid refetches the keys once, then is dropped', async () => {
    const p = await newPage();
    const seen = await visitWith(h, p, foreignToken('some-other-kid', h.t.config.publicUrl));
    expect(seen).toEqual({ decision: 'reader', askVisible: true, stored: null });
    expect(p.consoleMessages).toContain('[reader-support] stored token refused: unknown kid');
    expect(p.serviceRequests.filter((r) => r.endsWith('/jwks.json'))).toHaveLength(1);
  });
});

describe('an RS256 service (RSA signing key)', () => {
  let h: BrowserHarness;
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    h = await startHarness({
      app: { env: { JWT_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() } },
    });
    h.sitePage('/article', h.articleHtml({ scriptAttributes: 'data-debug' }));
  });
  afterAll(() => h.close());

  it('a valid RS256 token hides the asks', async () => {
    const p = await h.newPage();
    expect(h.keyRing.active.alg).toBe('RS256');
    const seen = await visitWith(h, p, h.token().token);
    expect(seen.decision).toBe('supporter');
    expect(seen.askVisible).toBe(false);
    await p.context.close();
  });

  it('an RS256 token whose signature was cut is not believed', async () => {
    const p = await h.newPage();
    const token = h.token().token;
    const seen = await visitWith(h, p, token.slice(0, -4));
    expect(seen).toEqual({ decision: 'reader', askVisible: true, stored: null });
    expect(p.consoleMessages).toContain('[reader-support] stored token refused: bad signature');
    await p.context.close();
  });
});
