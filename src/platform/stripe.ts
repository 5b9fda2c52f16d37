import Stripe from 'stripe';
import type { Config } from '../config';
import { AppError } from './errors';

/** The API version this service is written against; events and objects are read in its shapes. */
export const stripeApiVersion = '2026-10-28.endive' as const;

/** The official SDK, pinned to our API version and pointed at `STRIPE_API_URL`; null when no key is set. */
export function createStripeClient(config: Pick<Config, 'stripe'>): Stripe | null {
  const { secretKey, apiUrl } = config.stripe;
  if (!secretKey) return null;
  return new Stripe(secretKey, {
    apiVersion: stripeApiVersion,
    maxNetworkRetries: 2,
    timeout: 10_000,
    host: apiUrl.hostname,
    port: Number(apiUrl.port || (apiUrl.protocol === 'https:' ? 443 : 80)),
    protocol: apiUrl.protocol === 'https:' ? 'https' : 'http',
    telemetry: false,
    appInfo: { name: 'reader-support' },
  });
}

/** Routes that need Stripe call this: in development without a key they answer 503 instead of failing later. */
export function requireStripe(stripe: Stripe | null): Stripe {
  if (!stripe) {
    throw new AppError(
      'stripe_not_configured',
      'Set STRIPE_SECRET_KEY (and STRIPE_WEBHOOK_SECRETS) to use Stripe, or run `npm start` for the local stand-in.',
    );
  }
  return stripe;
}
