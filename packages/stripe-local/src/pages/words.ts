import type { PageLang } from './html';

type Interval = 'day' | 'week' | 'month' | 'year';

/** What the hosted checkout and portal pages say, in the two languages the pages speak. */
export interface PageWords {
  testMode: string;
  checkoutTitle: string;
  once: string;
  every: Record<Interval, string>;
  email: string;
  paymentMethod: string;
  cardPaid: [string, string];
  cardDeclined: [string, string];
  sepaPending: [string, string];
  submit: { donate: string; pay: string; subscribe: string };
  declined: string;
  cancel: string;
  sessionClosed: (status: string) => string;
  backToSite: string;
  noSession: string;
  badRequest: string;
  thanks: string;
  portalTitle: string;
  noSubscriptions: string;
  status: Record<string, string>;
  renewsOn: (date: string) => string;
  endsOn: (date: string) => string;
  endedOn: (date: string) => string;
  cancelAtPeriodEnd: string;
  cancelNow: string;
  keep: string;
  returnToSite: string;
  noPortalSession: string;
}

export const pageWords: Record<PageLang, PageWords> = {
  fr: {
    testMode: 'Mode test — stripe-local, une doublure de Stripe\u00a0: aucun argent réel ne circule.',
    checkoutTitle: 'Paiement',
    once: 'une fois',
    every: { day: 'par jour', week: 'par semaine', month: 'par mois', year: 'par an' },
    email: 'Adresse e-mail',
    paymentMethod: 'Moyen de paiement',
    cardPaid: ['Carte acceptée', '4242 4242 4242 4242 · le paiement réussit'],
    cardDeclined: ['Carte refusée', '4000 0000 0000 0002 · la banque refuse le paiement'],
    sepaPending: ['Prélèvement SEPA', 'FR76 3000 6000 0112 3456 7890 189 · en attente quelques jours'],
    submit: { donate: 'Faire un don', pay: 'Payer', subscribe: 'S’abonner' },
    declined: 'Votre carte a été refusée. Essayez un autre moyen de paiement.',
    cancel: '← Annuler et revenir au site',
    sessionClosed: (status) =>
      status === 'complete'
        ? 'Ce paiement est déjà effectué.'
        : status === 'expired'
          ? 'Cette session de paiement a expiré.'
          : 'Cette session de paiement est fermée.',
    backToSite: 'Revenir au site',
    noSession: 'Session de paiement introuvable',
    badRequest: 'Requête invalide',
    thanks: 'Merci\u202f!',
    portalTitle: 'Vos contributions',
    noSubscriptions: 'Aucune contribution récurrente.',
    status: {
      active: 'active',
      trialing: 'à l’essai',
      past_due: 'paiement en retard',
      unpaid: 'impayée',
      canceled: 'terminée',
      incomplete: 'incomplète',
      incomplete_expired: 'expirée',
      paused: 'en pause',
    },
    renewsOn: (date) => `Prochain prélèvement le ${date}`,
    endsOn: (date) => `Prend fin le ${date}`,
    endedOn: (date) => `Terminée le ${date}`,
    cancelAtPeriodEnd: 'Annuler à la fin de la période',
    cancelNow: 'Annuler immédiatement',
    keep: 'Ne pas annuler',
    returnToSite: '← Revenir au site',
    noPortalSession: 'Session du portail introuvable',
  },
  en: {
    testMode: 'Test mode — stripe-local, a stand-in for Stripe: no real money moves.',
    checkoutTitle: 'Checkout',
    once: 'once',
    every: { day: 'per day', week: 'per week', month: 'per month', year: 'per year' },
    email: 'Email',
    paymentMethod: 'Payment method',
    cardPaid: ['Card, accepted', '4242 4242 4242 4242 · the payment succeeds'],
    cardDeclined: ['Card, declined', '4000 0000 0000 0002 · the bank declines the payment'],
    sepaPending: ['SEPA Direct Debit', 'FR76 3000 6000 0112 3456 7890 189 · pending for a few days'],
    submit: { donate: 'Donate', pay: 'Pay', subscribe: 'Subscribe' },
    declined: 'Your card was declined. Try another payment method.',
    cancel: '← Cancel and go back',
    sessionClosed: (status) =>
      status === 'complete'
        ? 'This payment has already been made.'
        : status === 'expired'
          ? 'This checkout session has expired.'
          : 'This checkout session is closed.',
    backToSite: 'Back to the site',
    noSession: 'No such checkout session',
    badRequest: 'Bad request',
    thanks: 'Thank you!',
    portalTitle: 'Your contributions',
    noSubscriptions: 'No recurring contributions.',
    status: {
      active: 'active',
      trialing: 'trialing',
      past_due: 'past due',
      unpaid: 'unpaid',
      canceled: 'canceled',
      incomplete: 'incomplete',
      incomplete_expired: 'expired',
      paused: 'paused',
    },
    renewsOn: (date) => `Renews on ${date}`,
    endsOn: (date) => `Ends on ${date}`,
    endedOn: (date) => `Ended on ${date}`,
    cancelAtPeriodEnd: 'Cancel at the end of the period',
    cancelNow: 'Cancel now',
    keep: 'Don’t cancel',
    returnToSite: '← Return to the site',
    noPortalSession: 'No such portal session',
  },
};

/** "par mois", "once"… for a price's recurring interval, or null for a one-off. */
export function frequencyWords(
  w: PageWords,
  recurring: { interval: string; interval_count: number } | null,
): string {
  if (!recurring) return w.once;
  const every = w.every[recurring.interval as Interval] ?? recurring.interval;
  return recurring.interval_count === 1 ? every : `${every} × ${recurring.interval_count}`;
}
