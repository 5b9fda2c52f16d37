import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { defaultPolicy } from '../src/policy/policy';

const productionEnv = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://support.example.fr',
  SITE_ORIGINS: 'https://www.example.fr',
  STRIPE_SECRET_KEY: 'sk_live_abc123',
  STRIPE_WEBHOOK_SECRETS: 'whsec_abc',
  JWT_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nMIG\n-----END PRIVATE KEY-----',
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('in development, an empty environment gives the contract defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.siteOrigins).toEqual(['http://localhost:3000']);
    expect(config.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      clusterNodes: null,
      keyPrefix: 'rs:',
      durability: 'none',
    });
    expect(config.stripe.secretKey).toBeNull();
    expect(config.jwt.accessTokenTtlS).toBe(3600);
    expect(config.jwt.refreshTokenTtlS).toBe(15_552_000);
    expect(config.apiKeys).toEqual([]);
    expect(config.policy).toEqual(defaultPolicy);
    expect(config.reconciliationTz).toBe('UTC');
  });

  it('parses lists, cluster nodes, API keys and the key mode', () => {
    const hash = 'a'.repeat(64);
    const config = loadConfig({
      ...productionEnv,
      SITE_ORIGINS: 'https://www.example.fr, https://amp.example.fr',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001',
      API_KEYS: `cms:site:${hash},ledger:finance:${hash}`,
      STRIPE_WEBHOOK_SECRETS: 'whsec_old,whsec_new',
    });
    expect(config.siteOrigins).toEqual(['https://www.example.fr', 'https://amp.example.fr']);
    expect(config.redis.clusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
    expect(config.apiKeys).toEqual([
      { name: 'cms', role: 'site', sha256: hash },
      { name: 'ledger', role: 'finance', sha256: hash },
    ]);
    expect(config.stripe.webhookSecrets).toEqual(['whsec_old', 'whsec_new']);
    expect(config.stripe.livemode).toBe(true);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'not a url' }],
    ['SITE_ORIGINS', { SITE_ORIGINS: 'https://www.example.fr/articles' }],
    ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
    ['REDIS_KEY_PREFIX', { REDIS_KEY_PREFIX: '{rs}:' }],
    ['REDIS_DURABILITY', { REDIS_DURABILITY: 'sometimes' }],
    ['STRIPE_SECRET_KEY', { STRIPE_SECRET_KEY: 'pk_test_publishable' }],
    ['STRIPE_WEBHOOK_SECRETS', { STRIPE_WEBHOOK_SECRETS: 'secret' }],
    ['ACCESS_TOKEN_TTL_S', { ACCESS_TOKEN_TTL_S: '-5' }],
    ['API_KEYS', { API_KEYS: 'cms:superuser:abcd' }],
    ['RECONCILIATION_TZ', { RECONCILIATION_TZ: 'Mars/Olympus_Mons' }],
    ['JWT_SIGNING_KEY_FILE', { JWT_SIGNING_KEY_FILE: '/nonexistent/key.pem' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    // WAIT/WAITAOF are per connection and server; on a Cluster a silent 2xx without durability could follow.
    ['REDIS_DURABILITY', { REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_DURABILITY: 'aof' }],
    ['REDIS_DURABILITY', { REDIS_CLUSTER_NODES: '10.0.0.1:7000', REDIS_DURABILITY: 'replica' }],
    // Node refuses a headers timeout above the request timeout when the server is built: refuse it here instead.
    ['HTTP_HEADERS_TIMEOUT_MS', { HTTP_HEADERS_TIMEOUT_MS: '60000' }],
    ['HTTP_HEADERS_TIMEOUT_MS', { HTTP_HEADERS_TIMEOUT_MS: '1' }],
  ])('a bad %s is refused with a message naming it', (name, env) => {
    expect(configError(env)).toContain(`${name}:`);
  });

  it.each(['PUBLIC_URL', 'SITE_ORIGINS', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRETS'])(
    'production refuses to start without %s',
    (name) => {
      const env: Record<string, string> = { ...productionEnv };
      delete env[name];
      expect(configError(env)).toContain(`${name}: required when NODE_ENV=production`);
    },
  );

  it('production refuses a generated signing key', () => {
    const { JWT_SIGNING_KEY: _, ...env } = productionEnv;
    expect(configError(env)).toContain('JWT_SIGNING_KEY or JWT_SIGNING_KEY_FILE: required');
  });

  it('a policy file that breaks its own bounds is refused, naming SUPPORT_POLICY_FILE and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-policy-'));
    const file = join(dir, 'policy.json');
    const eur = { ...defaultPolicy.currencies.eur, min: 1000 };
    writeFileSync(file, JSON.stringify({ ...defaultPolicy, currencies: { eur } }));
    const message = configError({ SUPPORT_POLICY_FILE: file });
    expect(message).toContain('SUPPORT_POLICY_FILE:');
    expect(message).toContain('every preset must lie within min and max');
  });

  it("a policy file's paywall is checked, naming the field; a file without one gets the default paywall", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-policy-'));
    const file = join(dir, 'policy.json');
    const supporterOnly = [{ name: 'supporter', minMonthly: 0, entitlements: ['hide_support_asks'] }];
    writeFileSync(
      file,
      JSON.stringify({ ...defaultPolicy, paywall: { ...defaultPolicy.paywall, timeZone: 'Mars/Olympus' } }),
    );
    expect(configError({ SUPPORT_POLICY_FILE: file })).toContain(
      'paywall.timeZone: expected an IANA time zone such as Europe/Paris',
    );
    writeFileSync(file, JSON.stringify({ ...defaultPolicy, tiers: supporterOnly }));
    expect(configError({ SUPPORT_POLICY_FILE: file })).toContain(
      'paywall.opensWith: no tier grants the entitlement that opens premium content',
    );
    const { paywall: _, ...withoutPaywall } = defaultPolicy;
    writeFileSync(file, JSON.stringify({ ...withoutPaywall, paywall: undefined }));
    expect(loadConfig({ SUPPORT_POLICY_FILE: file }).policy.paywall).toEqual(defaultPolicy.paywall);
  });

  it('MAIL_FROM names the sender: "Name <address>", a quoted name, or an address; else it is refused, naming it', () => {
    expect(loadConfig({}).mailFrom).toEqual({ name: 'Reader support', address: 'no-reply@localhost' });
    expect(loadConfig({ ...productionEnv }).mailFrom).toEqual({
      name: 'Reader support',
      address: 'no-reply@support.example.fr',
    });
    expect(loadConfig({ MAIL_FROM: 'Le Quotidien <soutien@lequotidien.fr>' }).mailFrom).toEqual({
      name: 'Le Quotidien',
      address: 'soutien@lequotidien.fr',
    });
    expect(loadConfig({ MAIL_FROM: '"Le Quotidien, soutien" <soutien@lequotidien.fr>' }).mailFrom.name).toBe(
      'Le Quotidien, soutien',
    );
    expect(loadConfig({ MAIL_FROM: 'soutien@lequotidien.fr' }).mailFrom).toEqual({
      name: '',
      address: 'soutien@lequotidien.fr',
    });
    for (const bad of [
      'Le Quotidien',
      'Le Quotidien <soutien>',
      'a@example.fr, b@example.fr',
      'Le Quotidien, soutien <soutien@lequotidien.fr>',
      'Le Quotidien <soutien@lequotidien.fr>\r\nBcc: everyone@example.fr',
    ]) {
      expect(configError({ MAIL_FROM: bad })).toContain('MAIL_FROM: expected one sender');
    }
  });

  it("THEME_ACCENT sets the pages' accent, with readable text on it; anything but a hex colour is refused, naming it", () => {
    expect(loadConfig({}).theme).toMatchObject({ accent: '#0b3d91', onAccent: '#ffffff' });
    expect(loadConfig({ THEME_ACCENT: '#C70000' }).theme).toMatchObject({
      accent: '#c70000',
      onAccent: '#ffffff',
    });
    // A light accent gets dark text, never white at under 4.5:1.
    expect(loadConfig({ THEME_ACCENT: '#fc0' }).theme).toMatchObject({
      accent: '#ffcc00',
      onAccent: '#1a1a1a',
    });
    for (const bad of ['red', '#12345', '0b3d91', '#0b3d91;}body{display:none', 'var(--x)', ''])
      expect(configError({ THEME_ACCENT: bad })).toContain('THEME_ACCENT: expected a hex colour');
  });

  it('a valid policy file replaces the default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-policy-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ ...defaultPolicy, oneOffDays: 30 }));
    expect(loadConfig({ SUPPORT_POLICY_FILE: file }).policy.oneOffDays).toBe(30);
  });
});

describe('starting the process with a bad configuration', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('exits non-zero and names the variable', () => {
    const result = run({ PORT: 'eighty' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('PORT:');
  });

  it('in production without STRIPE_SECRET_KEY exits non-zero and names it', () => {
    const { STRIPE_SECRET_KEY: _, ...env } = productionEnv;
    const result = run(env);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('STRIPE_SECRET_KEY: required when NODE_ENV=production');
  });
});
