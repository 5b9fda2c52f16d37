import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import request from 'supertest';
import { launcherProbeHeader, requestLogging } from '../../src/platform/http';
import { prettyOptions, redactedPaths } from '../../src/platform/logger';

/** An app that logs its requests as the service does, into an array of parsed records. */
function loggedApp(compact: boolean) {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) records.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'info', redact: { paths: redactedPaths, censor: '[redacted]' } }, sink);
  const app = express();
  app.use(requestLogging(logger, { compact }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/v1/config', (req, res) => {
    req.log.info({ step: 'inside' }, 'a line of the request');
    res.json({});
  });
  app.get('/boom', (_req, res) => {
    res.status(500).json({});
  });
  return { app, records };
}

const settle = () => new Promise((done) => setImmediate(done));

describe('request logging in development (compact)', () => {
  test('one record per request: method, path without the query, status and ms in the message; the request id beside it', async () => {
    const { app, records } = loggedApp(true);
    await request(app).get('/v1/config?email=reader%40example.fr').set('X-Request-Id', 'req-1').expect(200);
    await settle();
    const done = records.filter((r) => typeof r.msg === 'string' && r.msg.startsWith('GET'));
    expect(done).toHaveLength(1);
    expect(done[0]?.msg).toMatch(/^GET \/v1\/config 200 \d+ms$/);
    expect(done[0]).toMatchObject({ reqId: 'req-1', level: 30 });
    expect(done[0]).not.toHaveProperty('req');
    // The request's own lines carry its id only, not the whole request.
    const inside = records.find((r) => r.msg === 'a line of the request');
    expect(inside).toMatchObject({ reqId: 'req-1', step: 'inside' });
    expect(inside).not.toHaveProperty('req');
    expect(JSON.stringify(records)).not.toContain('example.fr');
  });

  test("the launcher's health polls are not logged; other /healthz calls are", async () => {
    const { app, records } = loggedApp(true);
    await request(app).get('/healthz').set(launcherProbeHeader, '1').expect(200);
    await settle();
    expect(records).toEqual([]);
    await request(app).get('/healthz').expect(200);
    await settle();
    expect(records.map((r) => r.msg)).toEqual([expect.stringMatching(/^GET \/healthz 200 \d+ms$/)]);
  });

  test('a server error is one error line with the status', async () => {
    const { app, records } = loggedApp(true);
    await request(app).get('/boom').expect(500);
    await settle();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 50 });
    expect(records[0]).not.toHaveProperty('err');
    expect(records[0]?.msg).toMatch(/^GET \/boom 500 \d+ms failed with status code 500$/);
  });

  test('pino-pretty renders a request as one line', () => {
    const pretty = prettyFactory({ ...prettyOptions, colorize: false });
    const line = pretty({
      level: 30,
      time: Date.UTC(2026, 0, 31, 12),
      pid: 1,
      hostname: 'h',
      reqId: 'req-1',
      res: { statusCode: 200 },
      responseTime: 4,
      msg: 'GET /demo 200 4ms',
    });
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(line).toMatch(/INFO.*: GET \/demo 200 4ms \{"reqId":"req-1"\}/);
  });
});

describe('request logging in production (JSON)', () => {
  test('every request keeps its req, res and responseTime; the probe header changes nothing', async () => {
    const { app, records } = loggedApp(false);
    await request(app).get('/healthz').set(launcherProbeHeader, '1').set('X-Request-Id', 'req-2').expect(200);
    await request(app).get('/v1/config?email=reader%40example.fr').expect(200);
    await settle();
    const completed = records.filter((r) => r.msg === 'request completed');
    expect(completed).toHaveLength(2);
    expect(completed[0]).toMatchObject({
      req: { id: 'req-2', method: 'GET', path: '/healthz' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(completed[1]).toMatchObject({ req: { method: 'GET', path: '/v1/config' } });
    expect(JSON.stringify(records)).not.toContain('example.fr');
  });
});
