import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { type Config, defaultSender } from '../config';
import type { Logger } from '../platform/logger';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What kind of message it is, in the development outbox's file name (`sign-in`); default `mail`. */
  kind?: string;
  /**
   * Development only: one plain line the outbox logs beside the file (a sign-in code and its link, unbroken).
   * Never logged in production, never sent.
   */
  developmentNote?: string;
}

/** Sends transactional mail. Plain text and HTML parts; no tracking pixels, no remote images. */
export interface Mailer {
  send(message: MailMessage): Promise<{ outboxPath: string | null }>;
}

type MailerConfig = Pick<Config, 'smtpUrl' | 'dataDir' | 'publicUrl'> &
  Partial<Pick<Config, 'env' | 'mailFrom'>>;

/**
 * The outbox file of a message: `<time>-<recipient>-<kind>.eml`, e.g.
 * `2026-01-31T12-00-00-000Z-lecteur@example.fr-sign-in.eml` (only file-name-safe characters; `-2`… when taken).
 */
export function outboxFileName(at: Date, to: string, kind: string, attempt = 1): string {
  const safe = (text: string, max: number) => text.replace(/[^A-Za-z0-9@._+-]/g, '_').slice(0, max);
  const time = at.toISOString().replace(/[:.]/g, '-');
  return `${time}-${safe(to, 80)}-${safe(kind, 40)}${attempt > 1 ? `-${attempt}` : ''}.eml`;
}

/**
 * SMTP when `SMTP_URL` is set; otherwise (development) each message is written, atomically, as an .eml file under
 * `.data/outbox/`, and logged so a developer can open it — in development with its note (a sign-in code and link)
 * in one plain line.
 */
export function createMailer(config: MailerConfig, logger: Logger): Mailer {
  const from = config.mailFrom ?? defaultSender(config.publicUrl);
  const compose = ({ kind: _kind, developmentNote: _note, ...message }: MailMessage) => ({
    from,
    ...message,
  });
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message) {
        await transport.sendMail(compose(message));
        return { outboxPath: null };
      },
    };
  }
  const outbox = resolve(config.dataDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const development = config.env === 'development';
  return {
    async send(message) {
      const info = await transport.sendMail(compose(message));
      await mkdir(outbox, { recursive: true });
      const kind = message.kind ?? 'mail';
      const at = new Date();
      // Written beside it, then linked into place: whoever watches the outbox (a developer, a test) sees whole
      // messages only, and a message sent the same millisecond to the same person never replaces another.
      const partial = join(outbox, `.${process.pid}-${Math.random().toString(36).slice(2)}.partial`);
      await writeFile(partial, info.message as Buffer);
      let path = '';
      try {
        for (let attempt = 1; ; attempt++) {
          path = join(outbox, outboxFileName(at, message.to, kind, attempt));
          try {
            await link(partial, path);
            break;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
          }
        }
      } finally {
        await unlink(partial).catch(() => undefined);
      }
      if (development && message.developmentNote) {
        logger.info(
          `outbox: ${kind} mail to ${message.to}: ${message.developmentNote} (${relative(process.cwd(), path)})`,
        );
      } else {
        logger.info({ path }, 'development mail written to the outbox');
      }
      return { outboxPath: path };
    },
  };
}
