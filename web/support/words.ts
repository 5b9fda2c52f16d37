/** The banner's words in the two languages the service speaks; French is the default of a French news site. */
export type Lang = 'fr' | 'en';
export type Frequency = 'once' | 'monthly' | 'annual';

export interface Words {
  region: string;
  headline: string;
  text: string;
  frequency: string;
  frequencies: Record<Frequency, string>;
  amount: string;
  other: string;
  customAmount: (currencySymbol: string) => string;
  amountOutOfBounds: (min: string, max: string) => string;
  submit: string;
  redirecting: string;
  checkoutFailed: string;
  tooManyAttempts: string;
  thanksTitle: string;
  thanksText: string;
  /** Said with the thank-you, before « Gérer mon soutien ». */
  thanksManage: string;
  pendingTitle: string;
  pendingText: string;
  notCompleted: string;
  restoreLink: string;
  restoreIntro: string;
  email: string;
  emailInvalid: string;
  sendCode: string;
  codeSent: string;
  code: string;
  codeInvalid: string;
  confirm: string;
  back: string;
  restoredTitle: string;
  restoredText: string;
  nothingToRestore: string;
  restoreFailed: string;
  paywallTitle: string;
  paywallText: (amount: string) => string;
  manageSupport: string;
  paywallUpgrade: (amount: string, per: string) => string;
  upgradeQuote: (from: string, to: string, per: string, now: string, renews: string) => string;
  perMonth: string;
  perYear: string;
  upgrading: string;
  upgraded: (amount: string, per: string) => string;
  upgradedLater: string;
  upgradeRefused: string;
  upgradePay: string;
  upgradeElsewhere: string;
  premiumLeft: (remaining: number) => string;
}

export const words: Record<Lang, Words> = {
  fr: {
    region: 'Soutenir la rédaction',
    headline: 'Soutenez un journalisme indépendant',
    text: 'Nos articles restent en accès libre grâce à nos lecteurs. Chaque contribution, même modeste, compte.',
    frequency: 'Fréquence',
    frequencies: { once: 'Une fois', monthly: 'Mensuel', annual: 'Annuel' },
    amount: 'Montant',
    other: 'Autre montant',
    customAmount: (symbol) => `Autre montant (${symbol})`,
    amountOutOfBounds: (min, max) => `Indiquez un montant entre ${min} et ${max}.`,
    submit: 'Soutenez-nous maintenant',
    redirecting: 'Redirection vers le paiement sécurisé…',
    checkoutFailed: 'Le paiement n’a pas pu démarrer. Réessayez dans un instant.',
    tooManyAttempts: 'Trop de tentatives. Réessayez dans quelques minutes.',
    thanksTitle: 'Merci pour votre soutien\u202f!',
    thanksText: 'Votre contribution nous permet de continuer à informer en toute indépendance.',
    thanksManage: 'Vous pouvez modifier ou arrêter votre soutien à tout moment\u00a0:',
    pendingTitle: 'Paiement en cours',
    pendingText:
      'Votre paiement est en cours de validation. Ce message disparaîtra dès qu’il sera confirmé. Merci\u202f!',
    notCompleted: 'Le paiement n’a pas abouti. Vous pouvez réessayer.',
    restoreLink: 'J’ai déjà contribué',
    restoreIntro: 'Indiquez l’adresse e-mail de votre contribution\u00a0: nous vous enverrons un code.',
    email: 'Adresse e-mail',
    emailInvalid: 'Indiquez une adresse e-mail valide.',
    sendCode: 'Recevoir un code',
    codeSent: 'Si cette adresse correspond à un soutien, un code à 6 chiffres vient d’y être envoyé.',
    code: 'Code à 6 chiffres',
    codeInvalid: 'Ce code est incorrect ou a expiré.',
    confirm: 'Valider',
    back: 'Retour',
    restoredTitle: 'Votre soutien est retrouvé',
    restoredText: 'Merci\u202f! Les appels à contribution ne s’afficheront plus sur cet appareil.',
    nothingToRestore: 'Aucun soutien en cours n’est associé à cette adresse.',
    restoreFailed: 'Impossible de retrouver votre soutien pour le moment. Réessayez plus tard.',
    paywallTitle: 'Cet article est réservé à nos soutiens',
    paywallText: (amount) =>
      `Soutenez-nous à partir de ${amount} par mois pour lire tous nos articles réservés, sans limite.`,
    manageSupport: 'Gérer mon soutien',
    paywallUpgrade: (amount, per) => `Passer à ${amount} ${per}`,
    upgradeQuote: (from, to, per, now, renews) =>
      `Votre contribution passe de ${from} à ${to} ${per}, sans s’ajouter à l’autre. Aujourd’hui, vous ne payez que la différence jusqu’au ${renews}\u00a0: ${now}.`,
    perMonth: 'par mois',
    perYear: 'par an',
    upgrading: 'Modification en cours…',
    upgraded: (amount, per) => `C’est fait\u00a0: votre contribution passe à ${amount} ${per}. Merci\u202f!`,
    upgradedLater: 'C’est fait. L’article s’ouvrira au prochain chargement de la page.',
    upgradeRefused:
      'Votre banque n’a pas accepté la différence\u00a0: rien n’a changé. Vous pouvez confirmer le paiement ou changer de carte.',
    upgradePay: 'Confirmer le paiement',
    upgradeElsewhere:
      'Cette contribution ne peut pas être modifiée ici. Vous pouvez la gérer depuis votre espace.',
    premiumLeft: (remaining) =>
      remaining === 0
        ? 'C’est votre dernier article réservé offert ce mois-ci.'
        : `Il vous reste ${remaining}\u00a0article${remaining > 1 ? 's' : ''} réservé${remaining > 1 ? 's' : ''} offert${remaining > 1 ? 's' : ''} ce mois-ci.`,
  },
  en: {
    region: 'Support our journalism',
    headline: 'Support independent journalism',
    text: 'Our articles stay free to read thanks to our readers. Every contribution, however small, matters.',
    frequency: 'Frequency',
    frequencies: { once: 'Once', monthly: 'Monthly', annual: 'Annual' },
    amount: 'Amount',
    other: 'Other amount',
    customAmount: (symbol) => `Other amount (${symbol})`,
    amountOutOfBounds: (min, max) => `Enter an amount between ${min} and ${max}.`,
    submit: 'Support us now',
    redirecting: 'Taking you to the secure payment page…',
    checkoutFailed: 'The payment could not start. Please try again in a moment.',
    tooManyAttempts: 'Too many attempts. Please try again in a few minutes.',
    thanksTitle: 'Thank you for your support!',
    thanksText: 'Your contribution keeps our journalism independent.',
    thanksManage: 'You can change or stop your support at any time:',
    pendingTitle: 'Payment in progress',
    pendingText: 'Your payment is being confirmed. This message will go once it is. Thank you!',
    notCompleted: 'The payment did not go through. You can try again.',
    restoreLink: 'Restore my support',
    restoreIntro: 'Enter the email address you contributed with: we will send you a code.',
    email: 'Email address',
    emailInvalid: 'Enter a valid email address.',
    sendCode: 'Send me a code',
    codeSent: 'If this address belongs to a supporter, a 6-digit code is on its way.',
    code: '6-digit code',
    codeInvalid: 'This code is wrong or has expired.',
    confirm: 'Confirm',
    back: 'Back',
    restoredTitle: 'Your support is restored',
    restoredText: 'Thank you! Support asks will no longer show on this device.',
    nothingToRestore: 'No current support is linked to this address.',
    restoreFailed: 'Your support could not be restored right now. Please try again later.',
    paywallTitle: 'This article is for our supporters',
    paywallText: (amount) =>
      `Support us from ${amount} a month to read all our premium articles, without limit.`,
    manageSupport: 'Manage my support',
    paywallUpgrade: (amount, per) => `Raise it to ${amount} ${per}`,
    upgradeQuote: (from, to, per, now, renews) =>
      `Your contribution goes from ${from} to ${to} ${per}, nothing is added to it. Today you only pay the difference until ${renews}: ${now}.`,
    perMonth: 'a month',
    perYear: 'a year',
    upgrading: 'Changing your contribution…',
    upgraded: (amount, per) => `Done: your contribution is now ${amount} ${per}. Thank you!`,
    upgradedLater: 'Done. The article will open the next time the page loads.',
    upgradeRefused:
      'Your bank did not accept the difference: nothing has changed. You can confirm the payment or change your card.',
    upgradePay: 'Confirm the payment',
    upgradeElsewhere: 'This contribution cannot be changed here. You can manage it from your account.',
    premiumLeft: (remaining) =>
      remaining === 0
        ? 'This is your last free premium article this month.'
        : `${remaining} free premium article${remaining > 1 ? 's' : ''} left this month.`,
  },
};

/** `en`, `en-GB`… speak English; everything else (and nothing) speaks French. */
export function langOf(...candidates: (string | null | undefined)[]): Lang {
  for (const candidate of candidates) {
    const tag = candidate?.trim().toLowerCase();
    if (!tag) continue;
    return tag.startsWith('en') ? 'en' : 'fr';
  }
  return 'fr';
}
