import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { loadConfig } from '../../src/config';
import { createMailer, type MailMessage, outboxFileName } from '../../src/mail/mailer';
import { signInMail } from '../../src/signin/messages';

const link = 'http://localhost:3000/sign-in?email=lecteur%40example.fr&code=123456&lang=fr';
const message: MailMessage = {
  to: 'lecteur@example.fr',
  ...signInMail('fr', '123456', link),
  kind: 'sign-in',
  developmentNote: `code 123456, link ${link}`,
};

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('the development outbox', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'rs-mailer-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  test('file names read as <time>-<recipient>-<kind>.eml, and never replace one another', async () => {
    expect(outboxFileName(new Date(Date.UTC(2026, 0, 31, 12)), 'lecteur@example.fr', 'sign-in')).toBe(
      '2026-01-31T12-00-00-000Z-lecteur@example.fr-sign-in.eml',
    );
    expect(outboxFileName(new Date(0), 'a/../b c@x.fr', 'sign-in', 2)).toBe(
      '1970-01-01T00-00-00-000Z-a_.._b_c@x.fr-sign-in-2.eml',
    );
    const { logger } = capturingLogger();
    const mailer = createMailer(
      { smtpUrl: null, dataDir, publicUrl: 'http://localhost:3000', env: 'development' },
      logger,
    );
    await Promise.all([mailer.send(message), mailer.send(message), mailer.send(message)]);
    const files = readdirSync(join(dataDir, 'outbox'));
    expect(files).toHaveLength(3);
    for (const file of files)
      expect(file).toMatch(/^\d{4}-\d\d-\d\dT[\d-]+Z-lecteur@example\.fr-sign-in(-\d)?\.eml$/);
  });

  test('in development the code and the link are logged whole, in one line', async () => {
    const { logger, lines } = capturingLogger();
    const mailer = createMailer(
      { smtpUrl: null, dataDir, publicUrl: 'http://localhost:3000', env: 'development' },
      logger,
    );
    const { outboxPath } = await mailer.send(message);
    expect(lines).toHaveLength(1);
    const { msg } = JSON.parse(lines[0] ?? '{}') as { msg: string };
    expect(msg).toContain('sign-in mail to lecteur@example.fr: code 123456, link ');
    expect(msg).toContain(link);
    expect(msg).not.toContain('\n');
    expect(msg).toContain(outboxPath?.split('/').pop());
  });

  test('outside development the code is never logged', async () => {
    for (const env of ['production', 'test'] as const) {
      const { logger, lines } = capturingLogger();
      const mailer = createMailer(
        { smtpUrl: null, dataDir, publicUrl: 'https://support.example.fr', env },
        logger,
      );
      await mailer.send(message);
      expect(lines.join('\n')).not.toContain('123456');
      expect(lines).toHaveLength(1);
    }
  });

  test('the sender is MAIL_FROM, else "Reader support" at the public host', async () => {
    const { logger } = capturingLogger();
    const named = loadConfig({ MAIL_FROM: 'Le Quotidien <soutien@lequotidien.fr>' });
    await createMailer({ ...named, dataDir }, logger).send(message);
    const [file] = readdirSync(join(dataDir, 'outbox'));
    const mail = await simpleParser(readFileSync(join(dataDir, 'outbox', String(file))));
    expect(mail.from?.value).toEqual([{ name: 'Le Quotidien', address: 'soutien@lequotidien.fr' }]);
    expect(mail.text).toContain(link);

    rmSync(join(dataDir, 'outbox'), { recursive: true });
    await createMailer({ ...loadConfig({}), dataDir }, logger).send(message);
    const [other] = readdirSync(join(dataDir, 'outbox'));
    const fallback = await simpleParser(readFileSync(join(dataDir, 'outbox', String(other))));
    expect(fallback.from?.value).toEqual([{ name: 'Reader support', address: 'no-reply@localhost' }]);
  });
});
