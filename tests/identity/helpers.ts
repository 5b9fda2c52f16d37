import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import nock from 'nock';
import type { StripeForm } from '../contributions/stripeFake';

/** What the attack tests share: the mail the outbox got, the portal's customer, the metadata checkout wrote. */

/** Waits for the one message in the development outbox, parses it and empties the outbox for the next. */
export async function takeMail(outbox: string): Promise<ParsedMail> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let files: string[] = [];
    try {
      files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    } catch {}
    const [file] = files;
    if (file) {
      const mail = await simpleParser(readFileSync(join(outbox, file)));
      rmSync(outbox, { recursive: true });
      return mail;
    }
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error('no mail in the outbox');
}

/** The six-digit code of the mail the outbox got. */
export async function takeCode(outbox: string): Promise<string> {
  return /(\d{6})/.exec((await takeMail(outbox)).text ?? '')?.[1] as string;
}

/** Fakes Stripe's billing portal and records which customer each session was opened on. */
export function portalOpensOn(): string[] {
  const customers: string[] = [];
  nock('https://api.stripe.com')
    .post('/v1/billing_portal/sessions', (body: { customer: string }) => {
      customers.push(body.customer);
      return true;
    })
    .reply(200, {
      id: 'bps_1',
      object: 'billing_portal.session',
      url: 'https://billing.stripe.com/p/session/x',
    });
  return customers;
}

/** The session metadata checkout sent Stripe (flat form keys `metadata[...]`), as Stripe hands it back. */
export function metadataOf(params: StripeForm): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([key]) => key.startsWith('metadata['))
      .map(([key, value]) => [key.slice('metadata['.length, -1), value]),
  );
}
