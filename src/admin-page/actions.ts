import type { Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import type { ApiKeyRole } from '../config';
import { eraseSupporter, erasureSummary } from '../erasure/eraseSupporter';
import { personalDataStore } from '../erasure/personalData';
import { AppError, toAppError } from '../platform/errors';
import { backfillEvents, backfillSummary } from '../repair/backfill';
import { replayEvent, replaySummary } from '../repair/replay';
import { pickLocale } from '../signin/messages';
import { supporterRepository } from '../supporters/repository';
import { type AdminView, adminViews, pageHref, refusedPage } from './layout';
import type { AdminPageDeps } from './routes';
import { type AdminSession, type AdminSessions, csrfMatches } from './session';
import { adminWords } from './words';

interface ActionDeps extends AdminPageDeps {
  sessions: AdminSessions;
  sameOrigin: (req: Request) => boolean;
  form: RequestHandler;
}

type Body = Record<string, unknown>;
const text = (body: Body, name: string) =>
  typeof body[name] === 'string' ? (body[name] as string).trim() : '';

/**
 * The page's actions, each a form post: same origin (Origin, Sec-Fetch-Site) → a session → the session's CSRF
 * token (constant time) → the role → the same use case as `/v1/admin/*`, audited under the key's name →
 * 303 back to the page with a message.
 */
export function adminActionRoutes(deps: ActionDeps): Router {
  const router = Router();
  const { sessions } = deps;
  const erasureDeps = {
    ...deps,
    repository: supporterRepository(deps.redis, deps.config.redis.keyPrefix, deps.logger),
    personalData: personalDataStore(deps.redis, deps.config.redis.keyPrefix),
  };

  /** Checks the request and runs the action; a refusal is a 403 page, an outcome a message on the page. */
  function action(
    roles: readonly ApiKeyRole[],
    run: (session: AdminSession, body: Body, req: Request) => Promise<string>,
  ): RequestHandler[] {
    return [
      deps.form,
      async (req: Request, res: Response) => {
        const body = (req.body ?? {}) as Body;
        const locale = pickLocale(text(body, 'lang'), req.headers['accept-language']);
        const w = adminWords[locale];
        const refuse = () => void res.status(403).type('html').send(refusedPage(locale, w.forbidden));
        if (!deps.sameOrigin(req)) return refuse();
        const session = await sessions.find(req);
        if (!session || !csrfMatches(session.csrf, body.csrf)) return refuse();
        if (!roles.includes(session.caller.role)) return refuse();
        const back = text(body, 'back');
        const view: AdminView = (adminViews as readonly string[]).includes(back)
          ? (back as AdminView)
          : 'reconciliation';
        try {
          const message = await run(session, body, req);
          if (message === '') {
            await sessions.end(res, session);
            return void res.redirect(303, `/admin?lang=${locale}`);
          }
          await sessions.flash(session, { ok: true, text: message });
        } catch (error) {
          const detail =
            error instanceof ConfirmMismatch ? w.confirmMismatch : w.failed(toAppError(error).detail);
          await sessions.flash(session, { ok: false, text: detail });
        }
        res.redirect(303, pageHref(locale, { view }));
      },
    ];
  }
  const wordsOf = (body: Body) => adminWords[pickLocale(text(body, 'lang'))];

  router.post(
    '/admin/logout',
    action(['finance', 'admin'], async () => ''),
  );

  router.post(
    '/admin/events/:id/replay',
    action(['admin'], async (session, body, req) => {
      const id = String(req.params.id);
      if (!/^evt_[A-Za-z0-9_]{1,255}$/.test(id)) throw new AppError('validation_failed', 'Not an event id.');
      const o = await deps.audit.record(
        session.caller,
        'event.replay',
        id,
        () => replayEvent(deps.webhook, id),
        replaySummary,
      );
      const message = wordsOf(body).replayed(id, o.before, o.after, o.changed);
      return o.error ? `${message} ${o.error}` : message;
    }),
  );

  router.post(
    '/admin/backfill',
    action(['admin'], async (session, body) => {
      const since = text(body, 'since').slice(0, 64);
      const report = await deps.audit.record(
        session.caller,
        'events.backfill',
        since,
        () => {
          // The page's datetime-local field has no zone: it is read as UTC, as the label says.
          const ms = Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(since) ? since : `${since}Z`);
          if (Number.isNaN(ms)) throw new AppError('validation_failed', '`since` is not a date and time.');
          return backfillEvents(deps.webhook, ms);
        },
        backfillSummary,
      );
      return wordsOf(body).backfilled(report.applied, report.alreadyApplied, report.ignored, report.failed);
    }),
  );

  router.post(
    '/admin/erase',
    action(['admin'], async (session, body) => {
      const id = text(body, 'supporterId');
      if (!/^sup_[A-Za-z0-9_-]{1,64}$/.test(id))
        throw new AppError('validation_failed', 'Not a supporter id.');
      if (text(body, 'confirm') !== id) throw new ConfirmMismatch();
      const r = await deps.audit.record(
        session.caller,
        'supporter.erase',
        id,
        () => eraseSupporter(erasureDeps, id),
        erasureSummary,
      );
      return wordsOf(body).erased(id, r.erased.events);
    }),
  );

  return router;
}

class ConfirmMismatch extends Error {}
