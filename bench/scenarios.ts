import autocannon from 'autocannon';
import { benchSiteKey, oneOffCompletedEvent, stripeSignature } from './seed';

/** One HTTP scenario's figures, as autocannon measured them. */
export interface HttpRow {
  scenario: string;
  connections: number;
  seconds: number;
  requests: number;
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** What the 2xx answers said, where it matters (webhooks: applied vs duplicate). */
  note: string;
}

export interface HttpSettings {
  baseUrl: string;
  connections: number;
  durationS: number;
  warmupS: number;
}

type Shape = Pick<autocannon.Options, 'method' | 'headers' | 'body' | 'requests'> & { path: string };

const siteAuth = { authorization: `Bearer ${benchSiteKey}` };

/** Runs one shape for `seconds` on loopback; autocannon stops itself at the deadline. */
async function load(settings: HttpSettings, shape: Shape, seconds: number): Promise<autocannon.Result> {
  const { path, ...rest } = shape;
  return autocannon({
    url: `${settings.baseUrl}${path}`,
    connections: settings.connections,
    duration: seconds,
    timeout: 10,
    ...rest,
  });
}

/** Warm-up (not counted), then the measured run. `answers` tallies what the measured run's bodies said. */
async function measure(
  settings: HttpSettings,
  scenario: string,
  shape: Shape,
  answers?: Map<string, number>,
): Promise<HttpRow> {
  if (settings.warmupS > 0) await load(settings, shape, settings.warmupS);
  answers?.clear();
  const r = await load(settings, shape, settings.durationS);
  const note = answers ? [...answers].map(([status, n]) => `${n} ${status}`).join(', ') : '';
  return {
    scenario,
    connections: r.connections,
    seconds: r.duration,
    requests: r.requests.total,
    reqPerS: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    note,
  };
}

/** Counts the `status` of each webhook answer ("applied", "duplicate", …) into `answers`. */
function tallyWebhookAnswers(answers: Map<string, number>) {
  return (_status: number, body: string) => {
    const status = /"status":"([a-z]+)"/.exec(body)?.[1] ?? 'other';
    answers.set(status, (answers.get(status) ?? 0) + 1);
  };
}

export interface Seeded {
  supporterId: string;
  accessToken: string;
  duplicateEvent: string;
}

/** The five HTTP scenarios, one after the other. */
export async function httpScenarios(settings: HttpSettings, seeded: Seeded): Promise<HttpRow[]> {
  const rows: HttpRow[] = [];
  rows.push(
    await measure(settings, 'GET /v1/entitlements?supporterId= (site key, seeded supporter)', {
      path: `/v1/entitlements?supporterId=${seeded.supporterId}`,
      headers: siteAuth,
    }),
  );
  rows.push(
    await measure(settings, 'POST /v1/tokens/verify (site key, valid ES256 token)', {
      path: '/v1/tokens/verify',
      method: 'POST',
      headers: { ...siteAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ token: seeded.accessToken }),
    }),
  );

  let n = 0;
  const distinct = new Map<string, number>();
  rows.push(
    await measure(
      settings,
      'POST /v1/webhooks/stripe, distinct one-off checkout.session.completed',
      {
        path: '/v1/webhooks/stripe',
        requests: [
          {
            method: 'POST',
            // A new event for a new reader on every request, signed now.
            setupRequest: (request) => {
              const nowS = Math.floor(Date.now() / 1000);
              const body = oneOffCompletedEvent(`reader-${n++}@bench.example.fr`, nowS);
              const headers = {
                'content-type': 'application/json',
                'stripe-signature': stripeSignature(body, nowS),
              };
              return { ...request, body, headers };
            },
            onResponse: tallyWebhookAnswers(distinct),
          },
        ],
      },
      distinct,
    ),
  );

  const duplicates = new Map<string, number>();
  const nowS = Math.floor(Date.now() / 1000);
  rows.push(
    await measure(
      settings,
      'POST /v1/webhooks/stripe, the same event again (duplicate)',
      {
        path: '/v1/webhooks/stripe',
        requests: [
          {
            method: 'POST',
            body: seeded.duplicateEvent,
            headers: {
              'content-type': 'application/json',
              'stripe-signature': stripeSignature(seeded.duplicateEvent, nowS),
            },
            onResponse: tallyWebhookAnswers(duplicates),
          },
        ],
      },
      duplicates,
    ),
  );

  rows.push(
    await measure(settings, 'GET /support.js (gzip)', {
      path: '/support.js',
      headers: { 'accept-encoding': 'gzip' },
    }),
  );
  return rows;
}
