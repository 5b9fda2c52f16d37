import { mkdtempSync, rmSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { bannerRoutes } from '../../src/banner/routes';
import { problemMiddleware } from '../../src/platform/errors';
import { createOpenApiRegistry } from '../../src/platform/openapi';
import { buildSupportScript, type SupportScriptManifest, supportScriptGzipBudget } from '../../web/build';
import { createTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
let manifest: SupportScriptManifest;
beforeAll(async () => {
  manifest = await buildSupportScript();
  t = await createTestApp();
});
afterAll(() => t.close());

describe('serving the banner script', () => {
  it('GET /support.js is cached five minutes and may be loaded by the site cross-origin', async () => {
    const res = await request(t.app).get('/support.js').set('Accept-Encoding', 'identity');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.byteLength(res.text)).toBe(manifest.bytes);
    expect(res.text).toContain('Soutenez-nous maintenant');
  });

  it('GET /support.<hash>.js is the same file, cached a year and immutable', async () => {
    const res = await request(t.app).get(`/support.${manifest.hash}.js`).set('Accept-Encoding', 'identity');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Buffer.byteLength(res.text)).toBe(manifest.bytes);
  });

  it('a hash that is not the current build answers 404 problem+json', async () => {
    const res = await request(t.app).get('/support.0123456789abcdef.js');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('is sent gzipped to a browser that accepts it, within the 14 KB budget, and revalidates with its ETag', async () => {
    // Raw, because supertest would unzip the body before we could measure it.
    const res = await rawGet('/support.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/Accept-Encoding/);
    expect(res.body.length).toBeLessThanOrEqual(supportScriptGzipBudget);
    expect(gunzipSync(res.body).length).toBe(manifest.bytes);

    const again = await request(t.app)
      .get('/support.js')
      .set('Accept-Encoding', 'gzip')
      .set('If-None-Match', String(res.headers.etag));
    expect(again.status).toBe(304);
  });

  it('both routes are in the OpenAPI document', async () => {
    const res = await request(t.app).get('/openapi.json');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/support.js', '/support.{hash}.js']),
    );
  });

  it('before the script is built, answers 503 problem+json saying how to build it', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'banner-'));
    try {
      const app = express();
      app.use(bannerRoutes(createOpenApiRegistry(), empty));
      app.use(problemMiddleware(t.deps.logger));
      const res = await request(app).get('/support.js');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toContain('npx tsx web/build.ts');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

/** A GET on a listening copy of the app, body untouched. */
async function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  const server = t.app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  } finally {
    server.close();
  }
}
