import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** Times every request by method, route pattern (never the raw path: ids would explode cardinality) and status. */
  httpTiming: RequestHandler;
  webhooks: WebhookMetrics;
  paywall: PaywallMetrics;
  /** An attempt limit refused a request: `what` (checkout, sign-in, sign-in-code, api-key) and which `limit`. */
  refused(what: string, limit: string): void;
}

/** What operators watch of Stripe's deliveries: volume and outcome by type, and how late events arrive. */
export interface WebhookMetrics {
  /** A verified delivery arrived; `createdMs` is the event's own time, so now − created is Stripe's lag. */
  received(type: string, createdMs: number, nowMs: number): void;
  /** How the delivery ended: applied, duplicate, ignored or failed. */
  settled(type: string, status: string): void;
  /** A Checkout Session was paid (counted once, when its event is applied), with the campaign it started from. */
  converted(campaign: string | null, frequency: string): void;
}

/** What the newsroom watches of the paywall: premium views by decision, as the meter and the backend see them. */
export interface PaywallMetrics {
  /** `via` meter (the browser) or access (the site's backend); a `denied` view is a paywall ask shown. */
  decided(via: 'meter' | 'access', access: 'entitled' | 'metered' | 'denied'): void;
}

/** One registry per app, so tests can build several apps in one process. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const httpTiming: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
  const refusals = new Counter({
    name: 'rate_limit_refusals_total',
    help: 'Requests refused by an attempt limit, by what was attempted and which limit (alert on checkout/global)',
    labelNames: ['what', 'limit'] as const,
    registers: [registry],
  });
  return {
    registry,
    httpTiming,
    webhooks: webhookMetrics(registry),
    paywall: paywallMetrics(registry),
    refused: (what, limit) => refusals.inc({ what, limit }),
  };
}

function webhookMetrics(registry: Registry): WebhookMetrics {
  const received = new Counter({
    name: 'stripe_events_received_total',
    help: 'Verified Stripe webhook deliveries, by event type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const settled = new Counter({
    name: 'stripe_events_settled_total',
    help: 'Stripe webhook deliveries by event type and outcome (applied, duplicate, ignored, failed)',
    labelNames: ['type', 'status'] as const,
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'stripe_event_lag_seconds',
    help: "Time from an event's creation at Stripe to its delivery here",
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400],
    registers: [registry],
  });
  const last = new Gauge({
    name: 'stripe_event_last_received_timestamp_seconds',
    help: 'When the last verified Stripe delivery arrived (alert when it stops moving)',
    registers: [registry],
  });
  const conversions = new Counter({
    name: 'checkout_conversions_total',
    help: 'Checkout Sessions paid, by the campaign they started from (the paywall: "paywall") and frequency',
    labelNames: ['campaign', 'frequency'] as const,
    registers: [registry],
  });
  return {
    converted(campaign, frequency) {
      conversions.inc({ campaign: campaign ?? 'none', frequency });
    },
    received(type, createdMs, nowMs) {
      received.inc({ type });
      lag.observe(Math.max(0, (nowMs - createdMs) / 1000));
      last.set(nowMs / 1000);
    },
    settled(type, status) {
      settled.inc({ type, status });
    },
  };
}

function paywallMetrics(registry: Registry): PaywallMetrics {
  const views = new Counter({
    name: 'paywall_premium_views_total',
    help:
      'Premium page views by decision (entitled, metered, denied = the paywall ask shown) and by who asked ' +
      "(meter: the browser; access: the site's backend — the only one that sees entitled readers)",
    labelNames: ['via', 'access'] as const,
    registers: [registry],
  });
  return { decided: (via, access) => views.inc({ via, access }) };
}
