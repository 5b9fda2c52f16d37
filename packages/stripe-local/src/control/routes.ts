import express, { type ErrorRequestHandler, type Router } from 'express';
import { z } from 'zod';
import { StripeApiError } from '../http/errors';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import type { StandInControl } from './control';

const reason = z.enum(['cancellation_requested', 'payment_failed', 'payment_disputed']);

const schemas = {
  complete: z.strictObject({
    outcome: z.enum(['card_paid', 'card_declined', 'sepa_pending']),
    email: z.string().optional(),
    name: z.string().optional(),
  }),
  settle: z.strictObject({ outcome: z.enum(['succeed', 'fail']) }),
  refund: z.strictObject({
    charge: z.string().optional(),
    payment_intent: z.string().optional(),
    amount: z.number().int().positive().optional(),
    reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  }),
  dispute: z.strictObject({
    charge: z.string().optional(),
    payment_intent: z.string().optional(),
    reason: z.string().optional(),
  }),
  closeDispute: z.strictObject({ outcome: z.enum(['won', 'lost']) }),
  failRenewal: z.strictObject({ attempts: z.number().int().positive().optional() }),
  cancel: z.strictObject({
    at: z.enum(['now', 'period_end']).optional(),
    reason: reason.optional(),
    comment: z.string().optional(),
  }),
  advance: z.strictObject({
    seconds: z.number().optional(),
    days: z.number().optional(),
    to: z.number().int().optional(),
  }),
  endpoint: z.strictObject({ url: z.string().url().nullable(), secret: z.string().optional() }),
};

const parse = <S extends z.ZodType>(schema: S, body: unknown): z.output<S> => schema.parse(body ?? {});

/** `/_control/*`: the control API as JSON over HTTP (for a stand-in running as its own process). */
export function controlRouter(
  control: StandInControl,
  webhooks: WebhookDispatcher,
  defaultSecret: string,
): Router {
  const router = express.Router();
  router.use(express.json());
  const id = (value: string | string[] | undefined): string =>
    Array.isArray(value) ? (value[0] ?? '') : (value ?? '');

  router.post('/checkout/sessions/:id/complete', (req, res) => {
    const { outcome, ...reader } = parse(schemas.complete, req.body);
    res.json(control.completeCheckout(id(req.params.id), outcome, reader));
  });
  router.post('/checkout/sessions/:id/settle', (req, res) => {
    res.json(control.settleCheckout(id(req.params.id), parse(schemas.settle, req.body).outcome));
  });
  router.post('/checkout/sessions/:id/expire', (req, res) => {
    res.json(control.expireCheckout(id(req.params.id)));
  });
  router.post('/refunds', (req, res) => {
    res.json(control.refund(parse(schemas.refund, req.body)));
  });
  router.post('/disputes', (req, res) => {
    res.json(control.openDispute(parse(schemas.dispute, req.body)));
  });
  router.post('/disputes/:id/close', (req, res) => {
    res.json(control.closeDispute(id(req.params.id), parse(schemas.closeDispute, req.body).outcome));
  });
  router.post('/subscriptions/:id/fail_next_renewal', (req, res) => {
    control.failNextRenewal(id(req.params.id), parse(schemas.failRenewal, req.body));
    res.json({ ok: true });
  });
  router.post('/subscriptions/:id/cancel', (req, res) => {
    res.json(control.cancelSubscription(id(req.params.id), parse(schemas.cancel, req.body)));
  });
  router.get('/clock', (_req, res) => {
    res.json({ now: control.now() });
  });
  router.post('/clock/advance', (req, res) => {
    res.json(control.advanceClock(parse(schemas.advance, req.body)));
  });
  router.post('/payouts', (_req, res) => {
    res.json({ payouts: control.runPayouts() });
  });
  router.get('/webhooks', (_req, res) => {
    res.json({ attempts: webhooks.attempts, givenUp: webhooks.givenUp.map((e) => e.id) });
  });
  router.post('/webhooks/idle', async (_req, res) => {
    await webhooks.idle();
    res.json({ idle: true });
  });
  router.put('/webhooks/endpoint', (req, res) => {
    const { url, secret } = parse(schemas.endpoint, req.body);
    webhooks.setEndpoint(url === null ? null : { url, secret: secret ?? defaultSecret });
    res.json({ url });
  });

  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    if (error instanceof StripeApiError) {
      res.status(error.status).json({ error: error.body });
    } else if (error instanceof z.ZodError) {
      res.status(400).json({ error: { type: 'invalid_request_error', message: z.prettifyError(error) } });
    } else {
      res.status(400).json({
        error: {
          type: 'invalid_request_error',
          message: error instanceof Error ? error.message : String(error),
        },
      });
    }
  };
  router.use(onError);
  return router;
}
