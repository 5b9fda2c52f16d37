import type { ApiKeyRole } from '../config';
import type { DifferenceFacts, DifferenceKind } from '../finance/matching';
import { unmodelledTypes } from '../finance/matching';
import { formatMinor as money } from '../finance/reconciliationReport';
import type { ProblemCode } from '../platform/errors';
import type { SignInLocale } from '../signin/messages';
import type { LedgerEntryKind } from '../supporters/ledger';
import type { EventStatus } from '../webhooks/eventLog';

type ColumnKey =
  | 'date'
  | 'currency'
  | 'count'
  | 'gross'
  | 'refunds'
  | 'disputes'
  | 'fees'
  | 'net'
  | 'differs'
  | 'kind'
  | 'source'
  | 'ledger'
  | 'stripe'
  | 'detail'
  | 'explanation'
  | 'id'
  | 'created'
  | 'status'
  | 'error'
  | 'action'
  | 'at'
  | 'actor'
  | 'target'
  | 'outcome';

/** A message in the page's language, and technical text in English (a problem's detail) to show apart. */
export interface PageMessage {
  text: string;
  detail?: string;
}

/**
 * The finance page's words, in French and English. Every code the page shows (difference kinds, event statuses
 * and types, roles, audit actions, outcomes and details) has a label here; the page keeps the code itself in a
 * `title` and `data-code` beside the label, for finance to search for.
 */
export interface AdminWords {
  title: string;
  loginIntro: string;
  keyLabel: string;
  signIn: string;
  wrongKey: string;
  siteKey: string;
  /** `role`: the role's label. */
  signedInAs: (name: string, role: string) => string;
  signOut: string;
  tabs: Record<'reconciliation' | 'events' | 'actions' | 'audit', string>;
  from: string;
  to: string;
  show: string;
  download: string;
  ledgerPerDay: string;
  differences: (n: number, unexplained: number) => string;
  reason: string;
  acknowledge: string;
  acknowledgedBy: (by: string, date: string, reason: string) => string;
  /** `kind`: the difference kind's label; `source`: the Stripe object it is about, if any. */
  acknowledged: (kind: string, date: string, source: string | null) => string;
  closeMonth: (month: string) => string;
  monthClosed: (month: string, sha256: string) => string;
  closedBy: (by: string, date: string, sha256: string) => string;
  restated: (days: number, differences: number) => string;
  noDifferences: string;
  reconciliationFailed: (code: ProblemCode, detail: string) => PageMessage;
  cols: Record<ColumnKey, string>;
  /** A side's fee after its amount. */
  fee: (amount: string) => string;
  roles: Record<ApiKeyRole | 'unknown', string>;
  statuses: Record<EventStatus, string>;
  /** The Stripe event types this service handles (`stripe-events/events.ts`). */
  eventTypes: Record<string, string>;
  kinds: Record<DifferenceKind, string>;
  /** A difference explained from its facts (what `detail` says in English for the API). */
  explain: (facts: DifferenceFacts) => string;
  /** A difference whose facts are not at hand (read back from JSON): its kind, explained. */
  explainKind: Record<DifferenceKind, string>;
  auditActions: Record<string, string>;
  outcomes: Record<'ok' | ProblemCode, string>;
  /** The keys of an audit entry's details. */
  detailKeys: Record<string, string>;
  yes: string;
  no: string;
  /** The summary of technical text in English, folded away on a page in another language. */
  technical: string;
  /** True where technical text (English) reads as the page does: shown inline rather than folded away. */
  technicalInline: boolean;
  /** Technical text (an event's error) beside a message. */
  withDetail: (text: string, detail: string) => PageMessage;
  type: string;
  status: string;
  any: string;
  nextPage: string;
  firstPage: string;
  noEvents: string;
  replay: string;
  failedOnly: string;
  backfillTitle: string;
  backfillIntro: string;
  since: string;
  runBackfill: string;
  erasureTitle: string;
  erasureIntro: string;
  supporterId: string;
  confirmId: string;
  erase: string;
  adminOnly: string;
  forbidden: string;
  /** `before`, `after`: the statuses' labels. */
  replayed: (id: string, before: string, after: string, changed: boolean) => string;
  backfilled: (applied: number, already: number, ignored: number, failed: number) => string;
  erased: (id: string, events: number) => string;
  confirmMismatch: string;
  failed: (code: ProblemCode, detail: string) => PageMessage;
  noAudit: string;
}

const frProblems: Record<ProblemCode, string> = {
  bad_request: 'la demande n’a pas pu être lue.',
  validation_failed: 'une valeur n’est pas valable.',
  invalid_signature: 'la signature n’est pas valable.',
  unauthorized: 'authentification requise.',
  forbidden: 'action refusée pour cette clé.',
  not_found: 'introuvable (déjà réparé, ou effacé ?).',
  conflict: 'la situation a changé entre-temps, ou c’est déjà fait : rechargez la page et vérifiez.',
  gone: 'cela n’existe plus.',
  payload_too_large: 'la demande est trop volumineuse.',
  unsupported_media_type: 'ce format de demande n’est pas pris en charge.',
  rate_limited: 'trop de demandes : réessayez dans un moment.',
  internal: 'erreur interne du service.',
  upstream_failed: 'Stripe a répondu par une erreur.',
  stripe_not_configured: 'Stripe n’est pas configuré sur ce service.',
  unavailable: 'Stripe ou Redis ne répond pas : réessayez dans un moment.',
};

const frEntryKinds: Record<LedgerEntryKind, string> = {
  payment: 'un paiement',
  refund: 'un remboursement',
  refund_failure: 'un remboursement échoué (l’argent est revenu)',
  dispute: 'un litige',
  dispute_reversal: 'un litige gagné (l’argent est revenu)',
};
const enEntryKinds: Record<LedgerEntryKind, string> = {
  payment: 'a payment',
  refund: 'a refund',
  refund_failure: 'a failed refund (the money came back)',
  dispute: 'a dispute',
  dispute_reversal: 'a dispute won (the money came back)',
};

/** Stripe's balance transaction types that move a reader's money (`readerMoneyTypes`), with an article. */
const frTransactionTypes: Record<string, string> = {
  charge: 'un paiement par carte',
  payment: 'un paiement',
  refund: 'un remboursement',
  payment_refund: 'un remboursement',
  refund_failure: 'un remboursement échoué',
  payment_failure_refund: 'un remboursement échoué',
  payment_reversal: 'un paiement annulé par la banque',
  payment_unreconciled: 'un paiement qu’il n’a pu rattacher à rien',
  adjustment: 'un ajustement (litige)',
};
const enTransactionTypes: Record<string, string> = {
  charge: 'a card charge',
  payment: 'a payment',
  refund: 'a refund',
  payment_refund: 'a refund',
  refund_failure: 'a failed refund',
  payment_failure_refund: 'a failed refund',
  payment_reversal: 'a payment the bank reversed',
  payment_unreconciled: 'a payment it could tie to nothing',
  adjustment: 'an adjustment (dispute)',
};
const known = (labels: Record<string, string>, code: string): string | undefined =>
  Object.hasOwn(labels, code) ? labels[code] : undefined;

const upper = (currency: string) => currency.toUpperCase();

export const adminWords: Record<SignInLocale, AdminWords> = {
  fr: {
    title: 'Finances — reader-support',
    loginIntro:
      'Entrez une clé «\u00a0finance\u00a0» ou «\u00a0admin\u00a0». La page garde ensuite une session de 8 heures.',
    keyLabel: 'Clé d’API',
    signIn: 'Se connecter',
    wrongKey: 'Cette clé n’est pas reconnue.',
    siteKey: 'Cette clé n’a pas accès aux finances (rôle finance ou admin requis).',
    signedInAs: (name, role) => `Connecté avec la clé ${name} (${role})`,
    signOut: 'Se déconnecter',
    tabs: {
      reconciliation: 'Rapprochement',
      events: 'Événements',
      actions: 'Réparer',
      audit: 'Journal d’audit',
    },
    from: 'Du',
    to: 'Au',
    show: 'Afficher',
    download: 'Télécharger en CSV',
    ledgerPerDay: 'Grand livre, par jour',
    differences: (n, u) =>
      `Écarts avec Stripe\u00a0: ${n}${u < n ? `, dont ${u} non expliqué${u > 1 ? 's' : ''}` : ''}`,
    reason: 'Raison (sans donnée personnelle)',
    acknowledge: 'Expliquer',
    acknowledgedBy: (by, date, reason) => `Expliqué par ${by} le ${date}\u00a0: ${reason}`,
    acknowledged: (kind, date, source) =>
      `Écart expliqué\u00a0: ${kind.toLowerCase()} le ${date}${source ? ` (${source})` : ''}.`,
    closeMonth: (m) => `Clôturer ${m}`,
    monthClosed: (m, sha) => `${m} clôturé (SHA-256 ${sha}).`,
    closedBy: (by, date, sha) => `Mois clôturé le ${date} par ${by} (SHA-256 ${sha}).`,
    restated: (d, n) =>
      d === 0 && n === 0
        ? 'Rien n’a changé depuis la clôture.'
        : `Depuis la clôture\u00a0: ${d} jour(s) retraité(s), ${n} nouvel(s) écart(s).`,
    noDifferences: 'Aucun écart\u00a0: le grand livre et Stripe concordent.',
    reconciliationFailed: (code, detail) => ({
      text: `Le rapprochement n’a pas pu être calculé\u00a0: ${frProblems[code]}`,
      detail,
    }),
    cols: {
      date: 'Date',
      currency: 'Devise',
      count: 'Nombre',
      gross: 'Brut',
      refunds: 'Remboursements',
      disputes: 'Litiges',
      fees: 'Frais',
      net: 'Net',
      differs: 'Écarts',
      kind: 'Nature',
      source: 'Source',
      ledger: 'Grand livre',
      stripe: 'Stripe',
      detail: 'Détail',
      explanation: 'Explication',
      id: 'Identifiant',
      created: 'Créé',
      status: 'Statut',
      error: 'Erreur',
      action: 'Action',
      at: 'Quand',
      actor: 'Qui',
      target: 'Objet',
      outcome: 'Résultat',
    },
    fee: (amount) => `(frais\u00a0: ${amount})`,
    roles: { site: 'site', finance: 'finances', admin: 'administration', unknown: 'inconnu' },
    statuses: {
      received: 'reçu',
      processing: 'en cours',
      applied: 'appliqué',
      duplicate: 'doublon',
      ignored: 'ignoré',
      failed: 'en échec',
    },
    eventTypes: {
      'checkout.session.completed': 'Paiement Checkout terminé',
      'checkout.session.async_payment_succeeded': 'Paiement différé réussi',
      'checkout.session.async_payment_failed': 'Paiement différé échoué',
      'checkout.session.expired': 'Session Checkout expirée',
      'customer.updated': 'Client modifié',
      'customer.deleted': 'Client supprimé',
      'customer.subscription.created': 'Abonnement créé',
      'customer.subscription.updated': 'Abonnement modifié',
      'customer.subscription.deleted': 'Abonnement terminé',
      'invoice.paid': 'Facture payée',
      'invoice.payment_failed': 'Paiement de facture échoué',
      'invoice.voided': 'Facture annulée',
      'invoice.marked_uncollectible': 'Facture déclarée irrécouvrable',
      'charge.refunded': 'Paiement remboursé',
      'charge.refund.updated': 'Remboursement mis à jour',
      'refund.failed': 'Remboursement échoué',
      'charge.dispute.created': 'Litige ouvert',
      'charge.dispute.closed': 'Litige clos',
    },
    kinds: {
      missing_in_ledger: 'Absent du grand livre',
      missing_in_stripe: 'Absent chez Stripe',
      amount_differs: 'Montant différent',
      currency_differs: 'Devise différente',
      fee_differs: 'Frais différents',
    },
    explain: (f) => {
      switch (f.kind) {
        case 'missing_in_stripe':
          return `Le grand livre a ${frEntryKinds[f.entryKind]} que le solde Stripe n’a pas.`;
        case 'missing_in_ledger': {
          const what =
            known(frTransactionTypes, f.transactionType) ??
            `une opération «\u00a0${f.transactionType}\u00a0»`;
          return unmodelledTypes.has(f.transactionType)
            ? `Stripe a ${what} sur l’argent d’un lecteur, que le grand livre n’enregistre pas\u00a0: expliquez l’écart.`
            : `Stripe a ${what} que le grand livre n’a pas (un webhook manqué\u202f? Rejouez l’événement ou lancez un rattrapage).`;
        }
        case 'currency_differs':
          return `Le grand livre a ${upper(f.ledgerCurrency)}${f.settledCurrency ? `, réglé en ${upper(f.settledCurrency)}` : ''}\u202f; Stripe a réglé en ${upper(f.stripeCurrency)}.`;
        case 'amount_differs': {
          const c = f.converted;
          const converted = c ? ` (${money(c.amount, c.currency)} au taux de ${c.rate})` : '';
          return `Le grand livre a ${money(f.expected, f.currency)}${converted}, Stripe ${money(f.stripeAmount, f.currency)}.`;
        }
        case 'fee_differs':
          return `Frais au grand livre\u00a0: ${money(f.ledgerFee, f.currency)}\u202f; chez Stripe\u00a0: ${money(f.stripeFee, f.currency)}.`;
      }
    },
    explainKind: {
      missing_in_ledger: 'Stripe a une opération que le grand livre n’a pas.',
      missing_in_stripe: 'Le grand livre a une écriture que le solde Stripe n’a pas.',
      amount_differs: 'Les montants diffèrent.',
      currency_differs: 'Les devises diffèrent.',
      fee_differs: 'Les frais diffèrent.',
    },
    auditActions: {
      'event.replay': 'Événement rejoué',
      'events.backfill': 'Rattrapage depuis Stripe',
      'difference.acknowledge': 'Écart expliqué',
      'month.close': 'Mois clôturé',
      'supporter.erase': 'Personne effacée (RGPD)',
      'supporter.link': 'Soutiens rattachés',
      'supporter.revoke-sessions': 'Sessions révoquées',
    },
    outcomes: {
      ok: 'réussi',
      bad_request: 'demande illisible',
      validation_failed: 'valeur non valable',
      invalid_signature: 'signature non valable',
      unauthorized: 'non authentifié',
      forbidden: 'refusé',
      not_found: 'introuvable',
      conflict: 'conflit',
      gone: 'disparu',
      payload_too_large: 'trop volumineux',
      unsupported_media_type: 'format non pris en charge',
      rate_limited: 'trop de demandes',
      internal: 'erreur interne',
      upstream_failed: 'erreur de Stripe',
      stripe_not_configured: 'Stripe non configuré',
      unavailable: 'indisponible',
    },
    detailKeys: {
      before: 'Avant',
      after: 'Après',
      changed: 'Changé',
      error: 'Erreur',
      detail: 'Détail',
      since: 'Depuis',
      listed: 'Listés par Stripe',
      applied: 'Appliqués',
      alreadyApplied: 'Déjà traités',
      ignored: 'Ignorés',
      failed: 'En échec',
      date: 'Date',
      kind: 'Nature',
      fingerprint: 'Empreinte',
      reason: 'Raison',
      sha256: 'SHA-256',
      days: 'Jours',
      acknowledged: 'Écarts expliqués',
      alreadyErased: 'Déjà effacé',
      records: 'Fiches réécrites',
      indexes: 'Index supprimés',
      refreshTokens: 'Jetons de session',
      signInCodes: 'Codes de connexion',
      events: 'Événements expurgés',
      journalLines: 'Lignes du journal expurgées',
      meters: 'Compteurs du paywall',
      stripeCustomersDeleted: 'Clients Stripe supprimés',
      source: 'Source',
      target: 'Cible',
      refreshFamiliesRevoked: 'Sessions révoquées',
      refreshTokensRevoked: 'Jetons révoqués',
    },
    yes: 'oui',
    no: 'non',
    technical: 'Détail technique (en anglais)',
    technicalInline: false,
    withDetail: (text, detail) => ({ text, detail }),
    type: 'Type',
    status: 'Statut',
    any: 'tous',
    nextPage: 'Page suivante',
    firstPage: 'Première page',
    noEvents: 'Aucun événement.',
    replay: 'Rejouer',
    failedOnly: 'Événements en échec',
    backfillTitle: 'Rattrapage depuis Stripe',
    backfillIntro:
      'Applique les événements que Stripe a envoyés depuis cette date (30 derniers jours) et qui manquent.',
    since: 'Depuis (date et heure, UTC)',
    runBackfill: 'Lancer le rattrapage',
    erasureTitle: 'Effacer une personne (RGPD)',
    erasureIntro:
      'Efface les données personnelles\u202f; le grand livre garde les montants sous un identifiant pseudonyme.',
    supporterId: 'Identifiant du soutien (sup_…)',
    confirmId: 'Retapez l’identifiant pour confirmer',
    erase: 'Effacer définitivement',
    adminOnly: 'Réservé aux clés admin.',
    forbidden: 'Action refusée.',
    replayed: (id, b, a, c) =>
      c ? `${id} rejoué\u00a0: ${b} → ${a}.` : `${id} était déjà traité (${a})\u00a0: rien à faire.`,
    backfilled: (ap, al, ig, f) =>
      `Rattrapage\u00a0: ${ap} appliqués, ${al} déjà traités, ${ig} ignorés, ${f} en échec.`,
    erased: (id, e) => `${id} effacé (${e} événements expurgés).`,
    confirmMismatch: 'La confirmation ne correspond pas à l’identifiant\u00a0: rien n’a été effacé.',
    failed: (code, detail) => ({ text: `Échec\u00a0: ${frProblems[code]}`, detail }),
    noAudit: 'Aucune action enregistrée.',
  },
  en: {
    title: 'Finance — reader-support',
    loginIntro: 'Enter a “finance” or “admin” key. The page then keeps an 8-hour session.',
    keyLabel: 'API key',
    signIn: 'Sign in',
    wrongKey: 'This key is not recognised.',
    siteKey: 'This key has no access to finance (role finance or admin needed).',
    signedInAs: (name, role) => `Signed in with key ${name} (${role})`,
    signOut: 'Sign out',
    tabs: { reconciliation: 'Reconciliation', events: 'Events', actions: 'Repair', audit: 'Audit log' },
    from: 'From',
    to: 'To',
    show: 'Show',
    download: 'Download as CSV',
    ledgerPerDay: 'Ledger, per day',
    differences: (n, u) => `Differences with Stripe: ${n}${u < n ? `, ${u} unexplained` : ''}`,
    reason: 'Reason (no personal data)',
    acknowledge: 'Acknowledge',
    acknowledgedBy: (by, date, reason) => `Acknowledged by ${by} on ${date}: ${reason}`,
    acknowledged: (kind, date, source) =>
      `Difference acknowledged: ${kind.toLowerCase()} on ${date}${source ? ` (${source})` : ''}.`,
    closeMonth: (m) => `Close ${m}`,
    monthClosed: (m, sha) => `${m} closed (SHA-256 ${sha}).`,
    closedBy: (by, date, sha) => `Month closed on ${date} by ${by} (SHA-256 ${sha}).`,
    restated: (d, n) =>
      d === 0 && n === 0
        ? 'Nothing changed since the close.'
        : `Since the close: ${d} day(s) restated, ${n} new difference(s).`,
    noDifferences: 'No differences: the ledger and Stripe agree.',
    reconciliationFailed: (_code, detail) => ({
      text: `The reconciliation could not be computed: ${detail}`,
    }),
    cols: {
      date: 'Date',
      currency: 'Currency',
      count: 'Count',
      gross: 'Gross',
      refunds: 'Refunds',
      disputes: 'Disputes',
      fees: 'Fees',
      net: 'Net',
      differs: 'Differences',
      kind: 'Kind',
      source: 'Source',
      ledger: 'Ledger',
      stripe: 'Stripe',
      detail: 'Detail',
      explanation: 'Explanation',
      id: 'Id',
      created: 'Created',
      status: 'Status',
      error: 'Error',
      action: 'Action',
      at: 'When',
      actor: 'Who',
      target: 'Target',
      outcome: 'Outcome',
    },
    fee: (amount) => `(fees: ${amount})`,
    roles: { site: 'site', finance: 'finance', admin: 'admin', unknown: 'unknown' },
    statuses: {
      received: 'received',
      processing: 'processing',
      applied: 'applied',
      duplicate: 'duplicate',
      ignored: 'ignored',
      failed: 'failed',
    },
    eventTypes: {
      'checkout.session.completed': 'Checkout completed',
      'checkout.session.async_payment_succeeded': 'Delayed payment succeeded',
      'checkout.session.async_payment_failed': 'Delayed payment failed',
      'checkout.session.expired': 'Checkout session expired',
      'customer.updated': 'Customer updated',
      'customer.deleted': 'Customer deleted',
      'customer.subscription.created': 'Subscription created',
      'customer.subscription.updated': 'Subscription updated',
      'customer.subscription.deleted': 'Subscription ended',
      'invoice.paid': 'Invoice paid',
      'invoice.payment_failed': 'Invoice payment failed',
      'invoice.voided': 'Invoice voided',
      'invoice.marked_uncollectible': 'Invoice marked uncollectible',
      'charge.refunded': 'Charge refunded',
      'charge.refund.updated': 'Refund updated',
      'refund.failed': 'Refund failed',
      'charge.dispute.created': 'Dispute opened',
      'charge.dispute.closed': 'Dispute closed',
    },
    kinds: {
      missing_in_ledger: 'Missing in the ledger',
      missing_in_stripe: 'Missing in Stripe',
      amount_differs: 'Amount differs',
      currency_differs: 'Currency differs',
      fee_differs: 'Fee differs',
    },
    explain: (f) => {
      switch (f.kind) {
        case 'missing_in_stripe':
          return `The ledger has ${enEntryKinds[f.entryKind]} that Stripe’s balance does not.`;
        case 'missing_in_ledger': {
          const what = known(enTransactionTypes, f.transactionType) ?? `a “${f.transactionType}” transaction`;
          return unmodelledTypes.has(f.transactionType)
            ? `Stripe has ${what} of a reader’s money, which the ledger does not record: explain it and acknowledge it.`
            : `Stripe has ${what} that the ledger does not (a missed webhook? Replay the event or run a backfill).`;
        }
        case 'currency_differs':
          return `The ledger has ${upper(f.ledgerCurrency)}${f.settledCurrency ? ` settled in ${upper(f.settledCurrency)}` : ''}; Stripe settled in ${upper(f.stripeCurrency)}.`;
        case 'amount_differs': {
          const c = f.converted;
          const converted = c ? ` (${money(c.amount, c.currency)} at ${c.rate})` : '';
          return `The ledger has ${money(f.expected, f.currency)}${converted}, Stripe ${money(f.stripeAmount, f.currency)}.`;
        }
        case 'fee_differs':
          return `The ledger has a fee of ${money(f.ledgerFee, f.currency)}, Stripe ${money(f.stripeFee, f.currency)}.`;
      }
    },
    explainKind: {
      missing_in_ledger: 'Stripe has a transaction the ledger does not.',
      missing_in_stripe: 'The ledger has an entry Stripe’s balance does not.',
      amount_differs: 'The amounts differ.',
      currency_differs: 'The currencies differ.',
      fee_differs: 'The fees differ.',
    },
    auditActions: {
      'event.replay': 'Event replayed',
      'events.backfill': 'Backfill from Stripe',
      'difference.acknowledge': 'Difference acknowledged',
      'month.close': 'Month closed',
      'supporter.erase': 'Person erased (GDPR)',
      'supporter.link': 'Supporters linked',
      'supporter.revoke-sessions': 'Sessions revoked',
    },
    outcomes: {
      ok: 'done',
      bad_request: 'unreadable request',
      validation_failed: 'not valid',
      invalid_signature: 'bad signature',
      unauthorized: 'not authenticated',
      forbidden: 'refused',
      not_found: 'not found',
      conflict: 'conflict',
      gone: 'gone',
      payload_too_large: 'too large',
      unsupported_media_type: 'unsupported format',
      rate_limited: 'too many requests',
      internal: 'internal error',
      upstream_failed: 'Stripe error',
      stripe_not_configured: 'Stripe not configured',
      unavailable: 'unavailable',
    },
    detailKeys: {
      before: 'Before',
      after: 'After',
      changed: 'Changed',
      error: 'Error',
      detail: 'Detail',
      since: 'Since',
      listed: 'Listed by Stripe',
      applied: 'Applied',
      alreadyApplied: 'Already applied',
      ignored: 'Ignored',
      failed: 'Failed',
      date: 'Date',
      kind: 'Kind',
      fingerprint: 'Fingerprint',
      reason: 'Reason',
      sha256: 'SHA-256',
      days: 'Days',
      acknowledged: 'Acknowledged differences',
      alreadyErased: 'Already erased',
      records: 'Records rewritten',
      indexes: 'Indexes deleted',
      refreshTokens: 'Refresh tokens',
      signInCodes: 'Sign-in codes',
      events: 'Events redacted',
      journalLines: 'Journal lines redacted',
      meters: 'Paywall meters',
      stripeCustomersDeleted: 'Stripe customers deleted',
      source: 'Source',
      target: 'Target',
      refreshFamiliesRevoked: 'Sessions revoked',
      refreshTokensRevoked: 'Tokens revoked',
    },
    yes: 'yes',
    no: 'no',
    technical: 'Technical detail',
    technicalInline: true,
    withDetail: (text, detail) => ({ text: `${text} ${detail}` }),
    type: 'Type',
    status: 'Status',
    any: 'any',
    nextPage: 'Next page',
    firstPage: 'First page',
    noEvents: 'No events.',
    replay: 'Replay',
    failedOnly: 'Failed events',
    backfillTitle: 'Backfill from Stripe',
    backfillIntro: 'Applies the events Stripe sent since this time (last 30 days) that are missing here.',
    since: 'Since (date and time, UTC)',
    runBackfill: 'Run the backfill',
    erasureTitle: 'Erase a person (GDPR)',
    erasureIntro: 'Erases personal data; the ledger keeps the amounts under a pseudonymous id.',
    supporterId: 'Supporter id (sup_…)',
    confirmId: 'Type the id again to confirm',
    erase: 'Erase for good',
    adminOnly: 'Admin keys only.',
    forbidden: 'Action refused.',
    replayed: (id, b, a, c) =>
      c ? `${id} replayed: ${b} → ${a}.` : `${id} was already dealt with (${a}): nothing to do.`,
    backfilled: (ap, al, ig, f) =>
      `Backfill: ${ap} applied, ${al} already applied, ${ig} ignored, ${f} failed.`,
    erased: (id, e) => `${id} erased (${e} events redacted).`,
    confirmMismatch: 'The confirmation does not match the id: nothing was erased.',
    failed: (_code, detail) => ({ text: `Failed: ${detail}` }),
    noAudit: 'No actions recorded.',
  },
};
