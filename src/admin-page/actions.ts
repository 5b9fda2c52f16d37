import type { Request, RequestHandler, Response } from 'express';
import { Router } from 'express';
import type { ApiKeyRole } from '../config';
import { isCalendarDate } from '../finance/days';
import { toAppError } from '../platform/errors';
import { pickLocale } from '../signin/messages';
import type { AdminPageDeps } from './deps';
import { type AdminView, adminViews, pageHref, refusedPage } from './layout';
import { type AdminSession, csrfMatches } from './session';
import { adminWords, type PageMessage } from './words';

interface ActionDeps extends AdminPageDeps {
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

  /** Checks the request and runs the action; a refusal is a 403 page, an outcome a message on the page. */
  function action(
    roles: readonly ApiKeyRole[],
    run: (session: AdminSession, body: Body, req: Request) => Promise<PageMessage | ''>,
  ): RequestHandler[] {
    return [
      deps.form,
      async (req: Request, res: Response) => {
        const body = (req.body ?? {}) as Body;
        const locale = pickLocale(text(body, 'lang'), req.headers['accept-language']);
        const w = adminWords[locale];
        const refuse = () =>
          void res
            .status(403)
            .type('html')
            .send(refusedPage(deps.config.theme, locale, w.forbidden));
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
          await sessions.flash(session, { ok: true, ...message });
        } catch (error) {
          const problem = toAppError(error);
          const failure =
            error instanceof ConfirmMismatch
              ? { text: w.confirmMismatch }
              : w.failed(problem.code, problem.detail);
          await sessions.flash(session, { ok: false, ...failure });
        }
        // Back to the dates the form was posted from, when it says.
        const dates = Object.fromEntries(
          ['from', 'to'].map((name) => [name, isCalendarDate(text(body, name)) ? text(body, name) : null]),
        );
        res.redirect(303, pageHref(locale, { view, ...dates }));
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
      const o = await deps.actions.replay(session.caller, id);
      const w = wordsOf(body);
      const message = w.replayed(id, w.statuses[o.before], w.statuses[o.after], o.changed);
      return o.error ? w.withDetail(message, o.error) : { text: message };
    }),
  );

  router.post(
    '/admin/backfill',
    action(['admin'], async (session, body) => {
      const since = text(body, 'since').slice(0, 64);
      // The page's datetime-local field has no zone: it is read as UTC, as the label says.
      const report = await deps.actions.backfill(session.caller, since, () =>
        Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(since) ? since : `${since}Z`),
      );
      return {
        text: wordsOf(body).backfilled(report.applied, report.alreadyApplied, report.ignored, report.failed),
      };
    }),
  );

  router.post(
    '/admin/reconciliation/acknowledge',
    action(['admin'], async (session, body) => {
      const fields = ['date', 'differenceId', 'fingerprint', 'reason'] as const;
      const d = await deps.actions.acknowledge(
        session.caller,
        Object.fromEntries(fields.map((name) => [name, text(body, name)])),
      );
      const w = wordsOf(body);
      return { text: w.acknowledged(w.kinds[d.kind], d.date, d.source) };
    }),
  );

  router.post(
    '/admin/reconciliation/close',
    action(['admin'], async (session, body) => {
      const closed = await deps.actions.close(session.caller, { month: text(body, 'month') });
      return { text: wordsOf(body).monthClosed(closed.month, closed.sha256) };
    }),
  );

  router.post(
    '/admin/erase',
    action(['admin'], async (session, body) => {
      const id = text(body, 'supporterId');
      if (text(body, 'confirm') !== id) throw new ConfirmMismatch();
      const r = await deps.actions.erase(session.caller, id);
      return { text: wordsOf(body).erased(id, r.erased.events) };
    }),
  );

  return router;
}

class ConfirmMismatch extends Error {}
