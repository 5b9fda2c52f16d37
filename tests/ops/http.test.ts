import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('HTTP basics', () => {
  it('an unknown route answers 404 problem+json with the request id', async () => {
    const res = await request(t.app).get('/v1/nowhere').set('X-Request-Id', 'req-abc.123');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('req-abc.123');
    expect(JSON.parse(res.text)).toEqual({
      type: 'urn:reader-support:problem:not_found',
      title: 'Not found',
      status: 404,
      detail: 'No route for GET /v1/nowhere.',
      requestId: 'req-abc.123',
    });
  });

  it('a request without a usable X-Request-Id gets a generated one', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'bad id with spaces');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('malformed JSON answers 400 problem+json and says the body is not JSON', async () => {
    const res = await request(t.app)
      .post('/v1/anything')
      .set('Content-Type', 'application/json')
      .send('{"amount": 5');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({
      status: 400,
      detail: 'The request body is not valid JSON.',
    });
  });

  it('a JSON body over the limit answers 413 problem+json', async () => {
    const res = await request(t.app)
      .post('/v1/anything')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ padding: 'x'.repeat(20_000) }));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toMatchObject({
      status: 413,
      type: 'urn:reader-support:problem:payload_too_large',
    });
  });

  it('no error response carries a stack trace', async () => {
    const res = await request(t.app).post('/v1/anything').set('Content-Type', 'application/json').send('{');
    expect(res.text).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  it('CORS: an allowed origin gets the header with credentials, another origin gets none', async () => {
    const allowed = await request(t.app)
      .options('/healthz')
      .set('Origin', 'https://www.example.fr')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://www.example.fr');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');

    const foreign = await request(t.app)
      .options('/healthz')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('/healthz says the process is up and /readyz that Redis answers', async () => {
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(t.app).get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('/metrics exposes default metrics and the HTTP duration histogram by route and status', async () => {
    await request(t.app).get('/healthz');
    const res = await request(t.app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
  });

  it('/openapi.json is an OpenAPI 3.1 document listing the operator routes', async () => {
    const res = await request(t.app).get('/openapi.json');
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/openapi.json']),
    );
    expect(res.body.components.schemas.Problem).toBeDefined();
  });

  it('every operation has its own camelCase operationId and says what security it takes', async () => {
    const res = await request(t.app).get('/openapi.json');
    type Operation = { operationId?: string; security?: unknown };
    const paths = res.body.paths as Record<string, Record<string, Operation>>;
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, ...op })),
    );
    expect(operations.length).toBeGreaterThan(30);
    for (const { at, operationId, security } of operations) {
      expect({ at, operationId }).toEqual({ at, operationId: expect.stringMatching(/^[a-z][a-zA-Z0-9]+$/) });
      // `[]` for a public one: an operation that declares nothing would leave it to a global default.
      expect({ at, security }).toEqual({ at, security: expect.any(Array) });
    }
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(paths['/v1/support/upgrade']?.post?.operationId).toBe('upgradeSupport');
    expect(paths['/healthz']?.get?.security).toEqual([]);
  });

  it('helmet headers are set', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
