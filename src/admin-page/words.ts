import type { SignInLocale } from '../signin/messages';

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

/** The finance page's words, in French and English. */
export interface AdminWords {
  title: string;
  loginIntro: string;
  keyLabel: string;
  signIn: string;
  wrongKey: string;
  siteKey: string;
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
  acknowledged: (id: string) => string;
  closeMonth: (month: string) => string;
  monthClosed: (month: string, sha256: string) => string;
  closedBy: (by: string, date: string, sha256: string) => string;
  restated: (days: number, differences: number) => string;
  noDifferences: string;
  reconciliationFailed: (detail: string) => string;
  cols: Record<ColumnKey, string>;
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
  replayed: (id: string, before: string, after: string, changed: boolean) => string;
  backfilled: (applied: number, already: number, ignored: number, failed: number) => string;
  erased: (id: string, events: number) => string;
  confirmMismatch: string;
  failed: (detail: string) => string;
  noAudit: string;
}

export const adminWords: Record<SignInLocale, AdminWords> = {
  fr: {
    title: 'Finances — reader-support',
    loginIntro: 'Entrez une clé « finance » ou « admin ». La page garde ensuite une session de 8 heures.',
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
      `Écarts avec Stripe : ${n}${u < n ? `, dont ${u} non expliqué${u > 1 ? 's' : ''}` : ''}`,
    reason: 'Raison (sans donnée personnelle)',
    acknowledge: 'Expliquer',
    acknowledgedBy: (by, date, reason) => `Expliqué par ${by} le ${date} : ${reason}`,
    acknowledged: (id) => `Écart ${id} expliqué.`,
    closeMonth: (m) => `Clôturer ${m}`,
    monthClosed: (m, sha) => `${m} clôturé (SHA-256 ${sha}).`,
    closedBy: (by, date, sha) => `Mois clôturé le ${date} par ${by} (SHA-256 ${sha}).`,
    restated: (d, n) =>
      d === 0 && n === 0
        ? 'Rien n’a changé depuis la clôture.'
        : `Depuis la clôture : ${d} jour(s) retraité(s), ${n} nouvel(s) écart(s).`,
    noDifferences: 'Aucun écart : le grand livre et Stripe concordent.',
    reconciliationFailed: (d) => `Le rapprochement n’a pas pu être calculé : ${d}`,
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
      'Efface les données personnelles ; le grand livre garde les montants sous un identifiant pseudonyme.',
    supporterId: 'Identifiant du soutien (sup_…)',
    confirmId: 'Retapez l’identifiant pour confirmer',
    erase: 'Effacer définitivement',
    adminOnly: 'Réservé aux clés admin.',
    forbidden: 'Action refusée.',
    replayed: (id, b, a, c) =>
      c ? `${id} rejoué : ${b} → ${a}.` : `${id} était déjà traité (${a}) : rien à faire.`,
    backfilled: (ap, al, ig, f) =>
      `Rattrapage : ${ap} appliqués, ${al} déjà traités, ${ig} ignorés, ${f} en échec.`,
    erased: (id, e) => `${id} effacé (${e} événements expurgés).`,
    confirmMismatch: 'La confirmation ne correspond pas à l’identifiant : rien n’a été effacé.',
    failed: (d) => `Échec : ${d}`,
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
    acknowledged: (id) => `Difference ${id} acknowledged.`,
    closeMonth: (m) => `Close ${m}`,
    monthClosed: (m, sha) => `${m} closed (SHA-256 ${sha}).`,
    closedBy: (by, date, sha) => `Month closed on ${date} by ${by} (SHA-256 ${sha}).`,
    restated: (d, n) =>
      d === 0 && n === 0
        ? 'Nothing changed since the close.'
        : `Since the close: ${d} day(s) restated, ${n} new difference(s).`,
    noDifferences: 'No differences: the ledger and Stripe agree.',
    reconciliationFailed: (d) => `The reconciliation could not be computed: ${d}`,
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
    failed: (d) => `Failed: ${d}`,
    noAudit: 'No actions recorded.',
  },
};
