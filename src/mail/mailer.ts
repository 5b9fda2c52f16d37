import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config';
import type { Logger } from '../platform/logger';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends transactional mail. Plain text and HTML parts; no tracking pixels, no remote images. */
export interface Mailer {
  send(message: MailMessage): Promise<{ outboxPath: string | null }>;
}

/**
 * SMTP when `SMTP_URL` is set; otherwise (development) each message is written, atomically, as an .eml file under
 * `.data/outbox/`, and the path is logged so a developer can open it.
 */
export function createMailer(
  config: Pick<Config, 'smtpUrl' | 'dataDir' | 'publicUrl'>,
  logger: Logger,
): Mailer {
  const from = `Reader support <no-reply@${new URL(config.publicUrl).hostname}>`;
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(message) {
        await transport.sendMail({ from, ...message });
        return { outboxPath: null };
      },
    };
  }
  const outbox = resolve(config.dataDir, 'outbox');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(message) {
      const info = await transport.sendMail({ from, ...message });
      await mkdir(outbox, { recursive: true });
      const path = join(
        outbox,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${info.messageId.replace(/[^\w.-]/g, '')}.eml`,
      );
      // Written beside it, then renamed: whoever watches the outbox (a developer, a test) sees whole messages only.
      const partial = `${path}.partial`;
      await writeFile(partial, info.message as Buffer);
      await rename(partial, path);
      logger.info({ path }, 'development mail written to the outbox');
      return { outboxPath: path };
    },
  };
}
