import express, { type Request, type Response, Router } from 'express';
import { startCsv, writeChunk } from '../finance/csv';
import { isCalendarDate, localDate, nextDate, startOfDay } from '../finance/days';
import { decodeCursor, type EventFilter, encodeCursor } from '../finance/eventLogReader';
import { streamEventsCsv } from '../finance/eventViews';
import type { Reconciliation } from '../finance/reconciliation';
import { reconciliationCsvLines } from '../finance/reconciliationReport';
import { reconciliationQuerySchema } from '../finance/schemas';
import { identifyApiKey } from '../platform/apiKeys';
import { AppError, toAppError } from '../platform/errors';
import { type OpenAPIRegistry, problemResponse } from '../platform/openapi';
import { pickLocale, type SignInLocale } from '../signin/messages';
import { type EventStatus, eventStatuses } from '../webhooks/eventLog';
import { z } from '../zod';
import { adminActionRoutes } from './actions';
import type { AdminPageDeps } from './deps';

export type { AdminPageDeps };

import { type AdminView, adminViews, loginPage, type PageContext, refusedPage, signedInPage } from './layout';
import { actionsView, auditView, eventsView, reconciliationView } from './views';
import { adminWords } from './words';

const eventsPerPage = 50;

/** One query parameter as a string ('' when absent or repeated). */
const param = (req: Request, name: string): string => {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.slice(0, 200) : '';
};

export function localeOf(req: Request, fromBody?: unknown): SignInLocale {
  return pickLocale(
    typeof fromBody === 'string' ? fromBody : param(req, 'lang'),
    req.headers['accept-language'],
  );
}

/**
 * `/admin`: the finance page. Without a session, a form takes a finance or admin key once; with one, the
 * reconciliation, the event log, the repair actions and the audit list, server-rendered, with CSV downloads
 * streamed through the finance API's own CSV code. Actions are in `actions.ts`.
 */
export function adminPageRoutes(deps: AdminPageDeps, openapi: OpenAPIRegistry): Router {
  const router = Router();
  const { sessions, events } = deps;
  const publicOrigin = new URL(deps.config.publicUrl).origin;
  const { theme } = deps.config;
  const tz = deps.config.reconciliationTz;
  /** A form post from our own page: the browser's Origin (and Sec-Fetch-Site when sent) say so. */
  const sameOrigin = (req: Request) => {
    const site = req.headers['sec-fetch-site'];
    return req.headers.origin === publicOrigin && (site === undefined || site === 'same-origin');
  };
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.use('/admin', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    // Chromium sends `Origin: null` on form posts from a no-referrer page (helmet's default), which would defeat
    // the Origin check: same-origin still tells no other site where staff came from.
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });

  openapi.registerPath({
    method: 'get',
    path: '/admin',
    operationId: 'getAdminPage',
    summary:
      'The finance page: a form for a finance or admin key, then reconciliation, events, repairs and the audit list',
    // Anyone gets the page (the key form without a session); the session cookie its form sets is not an API scheme.
    security: [],
    request: {
      query: z.object({
        view: z.enum(adminViews).optional(),
        lang: z.string().optional().openapi({ description: 'fr or en; else Accept-Language' }),
      }),
    },
    responses: {
      200: {
        description: 'An HTML page (French or English)',
        content: { 'text/html': { schema: z.string() } },
      },
      403: problemResponse(
        "Requested by another site's page, not a navigation (`financePageIsolation`, from Fetch metadata)",
      ),
    },
  });

  router.post('/admin/login', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const locale = localeOf(req, body.lang);
    const w = adminWords[locale];
    if (!sameOrigin(req))
      return void res
        .status(403)
        .type('html')
        .send(refusedPage(theme, locale, w.forbidden));
    const key = typeof body.key === 'string' ? body.key.trim().slice(0, 200) : '';
    const caller = key ? identifyApiKey(deps.config.apiKeys, key) : null;
    if (!caller)
      return void res
        .status(401)
        .type('html')
        .send(loginPage(theme, locale, w.wrongKey));
    if (caller.role !== 'finance' && caller.role !== 'admin')
      return void res
        .status(403)
        .type('html')
        .send(loginPage(theme, locale, w.siteKey));
    await sessions.start(res, caller);
    res.redirect(303, `/admin?lang=${locale}`);
  });

  router.use(adminActionRoutes({ ...deps, sameOrigin, form }));

  router.get('/admin', async (req, res) => {
    const locale = localeOf(req);
    const session = await sessions.find(req);
    if (!session) return void res.type('html').send(loginPage(theme, locale, null));
    const asked = param(req, 'view');
    const view: AdminView = (adminViews as readonly string[]).includes(asked)
      ? (asked as AdminView)
      : 'reconciliation';
    const ctx: PageContext = { locale, theme, words: adminWords[locale], session, view };
    const content =
      view === 'reconciliation'
        ? await reconciliationContent(ctx, req)
        : view === 'events'
          ? await eventsContent(ctx, req)
          : view === 'audit'
            ? auditView(ctx, await deps.audit.list(100))
            : actionsView(ctx, new Date(deps.clock.now() - 7 * 86_400_000).toISOString().slice(0, 16));
    const flash = await sessions.takeFlash(session);
    res.type('html').send(signedInPage(ctx, flash, content));
  });

  async function runReconciliation(from: string, to: string): Promise<Reconciliation> {
    const query = reconciliationQuerySchema.safeParse({ from, to });
    if (!query.success)
      throw new AppError('validation_failed', query.error.issues.map((i) => i.message).join('; '));
    return deps.reconcile({ from: query.data.from, to: query.data.to, currency: null, timeZone: tz });
  }

  function range(req: Request): { from: string; to: string } {
    const today = localDate(deps.clock.now(), tz);
    return { from: param(req, 'from') || `${today.slice(0, 8)}01`, to: param(req, 'to') || today };
  }

  async function reconciliationContent(ctx: PageContext, req: Request): Promise<string> {
    const { from, to } = range(req);
    try {
      return reconciliationView(ctx, { from, to, report: await runReconciliation(from, to), error: null });
    } catch (error) {
      const { code, detail } = toAppError(error);
      return reconciliationView(ctx, { from, to, report: null, error: { code, detail } });
    }
  }

  /** The event filter from the page's query: dates are local days in RECONCILIATION_TZ, `to` included. */
  function eventFilter(req: Request): {
    filter: EventFilter;
    shown: Record<'type' | 'status' | 'from' | 'to', string>;
  } {
    const type = /^[a-z0-9_.]{1,100}$/.test(param(req, 'type')) ? param(req, 'type') : '';
    const status = (eventStatuses as readonly string[]).includes(param(req, 'status'))
      ? param(req, 'status')
      : '';
    const from = isCalendarDate(param(req, 'from')) ? param(req, 'from') : '';
    const to = isCalendarDate(param(req, 'to')) ? param(req, 'to') : '';
    return {
      filter: {
        type: type || null,
        status: (status || null) as EventStatus | null,
        from: from ? startOfDay(from, tz) : null,
        to: to ? startOfDay(nextDate(to), tz) : null,
      },
      shown: { type, status, from, to },
    };
  }

  async function eventsContent(ctx: PageContext, req: Request): Promise<string> {
    const { filter, shown } = eventFilter(req);
    const cursor = param(req, 'cursor');
    const after = cursor ? decodeCursor(cursor) : null;
    const page = await events.page(filter, after, eventsPerPage);
    return eventsView(ctx, {
      filter: shown,
      rows: page.rows,
      nextCursor: page.next ? encodeCursor(page.next) : null,
      paged: after !== null,
      error: null,
    });
  }

  const needSession = async (req: Request, res: Response) => {
    const session = await sessions.find(req);
    if (!session)
      res
        .status(401)
        .type('html')
        .send(loginPage(theme, localeOf(req), null));
    return session;
  };

  router.get('/admin/events.csv', async (req, res) => {
    if (!(await needSession(req, res))) return;
    const { filter } = eventFilter(req);
    await streamEventsCsv(res, events, filter);
  });

  router.get('/admin/reconciliation.csv', async (req, res) => {
    if (!(await needSession(req, res))) return;
    const { from, to } = range(req);
    const report = await runReconciliation(from, to);
    startCsv(res, `reconciliation-${from}-${to}.csv`);
    for (const line of reconciliationCsvLines(report)) await writeChunk(res, line);
    res.end();
  });

  return router;
}
