import { Router } from 'express';
import type { Config } from '../config';
import { requireApiKey } from '../platform/apiKeys';
import { parseRequest } from '../platform/http';
import { type OpenAPIRegistry, problemResponse, tooManyWrongApiKeys } from '../platform/openapi';
import { z } from '../zod';
import { type AccessTokens, accessTokenClaimsSchema } from './accessToken';

const jwkSchema = z
  .object({
    kty: z.enum(['EC', 'RSA']),
    kid: z.string().openapi({ description: 'RFC 7638 thumbprint of the key' }),
    alg: z.enum(['ES256', 'RS256']),
    use: z.literal('sig'),
    crv: z.literal('P-256').optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    n: z.string().optional(),
    e: z.string().optional(),
  })
  .openapi('Jwk');
const jwksSchema = z.object({ keys: z.array(jwkSchema) }).openapi('Jwks');

export const verifyTokenBodySchema = z
  .object({ token: z.string().min(1).max(8192).openapi({ description: 'An access token to verify' }) })
  .strict()
  .openapi('VerifyTokenRequest');

/** Browsers and other sites fetch the keys cross-origin; five minutes keeps a rotation quick to be seen. */
const jwksCacheControl = 'public, max-age=300';

export interface TokenRouteDeps {
  config: Pick<Config, 'apiKeys'>;
  accessTokens: AccessTokens;
}

/** `GET /.well-known/jwks.json` and `POST /v1/tokens/verify`; the claim and refresh routes join them later. */
export function tokenRoutes(deps: TokenRouteDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { accessTokens } = deps;

  openapi.registerPath({
    method: 'get',
    path: '/.well-known/jwks.json',
    operationId: 'getJwks',
    summary: 'The public keys that verify access tokens: the active key and every retired one still accepted',
    security: [],
    responses: {
      200: { description: 'JSON Web Key Set', content: { 'application/json': { schema: jwksSchema } } },
    },
  });
  router.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('Cache-Control', jwksCacheControl);
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.json(accessTokens.keyRing.jwks());
  });

  openapi.registerPath({
    method: 'post',
    path: '/v1/tokens/verify',
    operationId: 'verifyAccessToken',
    summary: "Verifies a reader's access token for the site's backend",
    security: [{ apiKey: [] }],
    request: { body: { content: { 'application/json': { schema: verifyTokenBodySchema } } } },
    responses: {
      200: {
        description: 'The verified claims',
        content: { 'application/json': { schema: accessTokenClaimsSchema } },
      },
      400: problemResponse('The body is not valid'),
      401: problemResponse('No valid API key, or the token is not valid (the detail says why)'),
      403: problemResponse('The key is not a site key'),
      429: tooManyWrongApiKeys,
    },
  });
  router.post('/v1/tokens/verify', requireApiKey(deps.config.apiKeys, ['site']), (req, res) => {
    const { token } = parseRequest(verifyTokenBodySchema, req.body, 'body');
    res.setHeader('Cache-Control', 'no-store');
    res.json(accessTokens.verifyAccessToken(token));
  });

  return router;
}
