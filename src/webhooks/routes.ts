import express, { Router } from 'express';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { z } from '../zod';
import { receiveStripeEvent, type WebhookDeps } from './receiveEvent';

const webhookAnswerSchema = z
  .object({
    received: z.literal(true),
    eventId: z.string(),
    status: z.enum(['applied', 'duplicate', 'ignored']),
  })
  .openapi('WebhookAnswer');

/** `POST /v1/webhooks/stripe`: mounted before the JSON parser, the signature is checked over the raw bytes. */
export function webhookRoutes(webhook: WebhookDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();

  openapi.registerPath({
    method: 'post',
    path: '/v1/webhooks/stripe',
    operationId: 'receiveStripeEvent',
    summary: 'Stripe events (signed with a configured endpoint secret)',
    // No scheme of ours: the `Stripe-Signature` header, checked against the endpoint secrets, is the proof.
    security: [],
    request: {
      headers: z.object({ 'stripe-signature': z.string() }),
      body: { content: { 'application/json': { schema: z.object({}).loose() } } },
    },
    responses: {
      200: {
        description: 'Applied, already applied, or a type this service does not act on',
        content: { 'application/json': { schema: webhookAnswerSchema } },
      },
      400: problemResponse(
        'Bad or missing signature, stale or future timestamp, not an event, or wrong mode',
      ),
      413: problemResponse('Body over 1 MiB'),
      500: problemResponse('The event could not be applied (logged failed; Stripe retries)'),
      503: problemResponse(
        'Redis or Stripe unavailable, or another delivery still applying it (Stripe retries)',
      ),
    },
  });
  router.post(
    '/v1/webhooks/stripe',
    // Any content type: the bytes are what Stripe signed, and they are verified before anything reads them.
    express.raw({ type: () => true, limit: '1mb' }),
    async (req, res) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const answer = await receiveStripeEvent(webhook, body, req.get('stripe-signature'));
      res.status(200).json({ received: true, ...answer });
    },
  );
  return router;
}
