/**
 * The demo article's words, in French (the site's language) and English. The report is fiction: the river, the
 * towns and every person named are invented, so no real person is ever quoted.
 */
export type DemoLang = 'fr' | 'en';

export interface DemoArticle {
  masthead: string;
  sections: string[];
  demoNotice: string;
  otherLanguage: { label: string; href: string; lang: DemoLang };
  kicker: string;
  title: string;
  standfirst: string;
  byline: string;
  dateline: string;
  figureCaption: string;
  map: { label: string; plateau: string; dam: string; city: string; delta: string; border: string };
  /** Paragraphs before the pull quote, the quote (a line of the text, as magazines do), and those after it. */
  before: string[];
  pullQuote: string;
  after: string[];
  ask: { headline: string; text: string };
  /** The premium long read: the same report as a four-episode series, behind the paywall. */
  premium: {
    kicker: string;
    episode: (n: number, of: number) => string;
    promo: string;
    episodes: string;
  };
  footer: string;
}

export const demoArticles: Record<DemoLang, DemoArticle> = {
  fr: {
    masthead: 'Le Méridien',
    sections: ['International', 'Europe', 'Afrique', 'Climat', 'Économie', 'Culture'],
    demoNotice: 'Page de démonstration de reader-support — article fictif, paiements simulés.',
    otherLanguage: { label: 'English', href: '/demo?lang=en', lang: 'en' },
    kicker: 'Diplomatie de l’eau',
    title: 'Sur l’Orave, trois pays négocient chaque goutte d’un fleuve qui s’épuise',
    standfirst:
      'À l’approche de la saison sèche, les États riverains de l’Orave reprennent à Tessenra des pourparlers ' +
      'suspendus depuis deux ans. En jeu\u00a0: le remplissage d’un barrage géant en amont et la survie des rizières ' +
      'du delta.',
    byline: 'Par Inès Varenne, envoyée spéciale à Tessenra',
    dateline: 'Publié le 14 octobre · 6 min de lecture',
    figureCaption:
      'Le cours de l’Orave, du plateau de Kessir au delta\u00a0: le barrage de Haute-Sella retient désormais ' +
      'près d’un tiers du débit de la saison sèche.',
    map: {
      label: 'Carte schématique du cours de l’Orave',
      plateau: 'Plateau de Kessir',
      dam: 'Barrage de Haute-Sella',
      city: 'Tessenra',
      delta: 'Delta de l’Orave',
      border: 'frontière',
    },
    before: [
      'Dans la grande salle de l’ancien palais des douanes de Tessenra, les cartes ont été punaisées au mur ' +
        'comme pour un état-major. Depuis lundi, les délégations des trois pays que traverse l’Orave y ' +
        'négocient, à huis clos, un texte que tous disent vouloir et qu’aucun n’a encore signé\u00a0: un calendrier ' +
        'de remplissage du barrage de Haute-Sella, achevé il y a dix-huit mois sur le cours supérieur du fleuve.',
      'Pour le pays d’amont, l’ouvrage est une promesse d’électricité pour des millions de foyers encore ' +
        'privés de réseau. Pour les deux pays d’aval, c’est une menace\u00a0: l’an dernier, pendant les huit semaines ' +
        'les plus sèches, le débit mesuré à la frontière est tombé à moins de la moitié de sa moyenne ' +
        'historique. Dans le delta, les riziculteurs ont semé tard, et beaucoup n’ont rien récolté.',
      '«\u00a0Nous ne contestons pas le droit de construire, nous contestons le droit de décider seul du rythme\u00a0», ' +
        'résume un diplomate de la délégation d’aval, qui a requis l’anonymat faute d’être autorisé à parler ' +
        'pendant les discussions. La partie d’amont répond qu’elle a déjà ralenti deux fois le remplissage, et ' +
        'qu’elle ne peut pas suspendre indéfiniment un chantier financé par l’emprunt.',
    ],
    pullQuote:
      '«\u00a0Nous ne contestons pas le droit de construire, nous contestons le droit de décider seul du rythme.\u00a0»',
    after: [
      'Le compromis sur la table tient en un principe simple, mais difficile à chiffrer\u00a0: en année sèche, le ' +
        'remplissage serait plafonné pour garantir un débit minimal à la frontière. Tout dépend du seuil. ' +
        '«\u00a0Les modèles divergent de près de 20 % selon qu’on retient les séries des années 1990 ou celles de ' +
        'la dernière décennie, bien plus chaude\u00a0», explique Mariam Oudaï, hydrologue à l’université de ' +
        'Tessenra, qui conseille les médiateurs.',
      'Une commission mixte, dotée de ses propres stations de mesure, vérifierait les débits en temps réel. ' +
        'C’est là que bloque la discussion\u00a0: le pays d’amont accepte le partage des données, pas l’installation ' +
        'de capteurs étrangers sur son territoire. Une solution intermédiaire — des stations gérées par un ' +
        'organisme régional, aux relevés publiés chaque jour — circule depuis mardi dans les couloirs.',
      'Les médiateurs se donnent jusqu’à la fin du mois. Au-delà, la saison sèche aura commencé, et chaque ' +
        'semaine de désaccord se comptera en hectares non semés. «\u00a0Personne ici ne veut être celui qui a fait ' +
        'échouer l’accord, confie un membre d’une délégation. Mais personne ne veut non plus être celui qui a ' +
        'trop cédé.\u00a0»',
    ],
    ask: {
      headline: 'Aucune nouvelle n’est une mauvaise nouvelle',
      text: 'Vos contributions nous aideront à continuer à livrer les histoires qui comptent pour vous',
    },
    premium: {
      kicker: 'Grand format · réservé à nos soutiens',
      episode: (n, of) => `Épisode ${n} sur ${of}`,
      promo: 'Grand format, réservé à nos soutiens\u00a0: l’Orave en quatre épisodes (3 offerts par mois)',
      episodes: 'Les épisodes',
    },
    footer: 'Le Méridien est un journal imaginaire, le temps d’une démonstration.',
  },
  en: {
    masthead: 'The Meridian',
    sections: ['World', 'Europe', 'Africa', 'Climate', 'Business', 'Culture'],
    demoNotice: 'reader-support demo page — a fictional article, simulated payments.',
    otherLanguage: { label: 'Français', href: '/demo', lang: 'fr' },
    kicker: 'Water diplomacy',
    title: 'On the Orave, three countries bargain over every drop of a shrinking river',
    standfirst:
      'With the dry season approaching, the states along the Orave are resuming talks in Tessenra that ' +
      'stalled two years ago. At stake: the filling of a giant dam upstream, and the survival of the rice ' +
      'fields in the delta.',
    byline: 'By Inès Varenne, special correspondent in Tessenra',
    dateline: 'Published 14 October · 6 min read',
    figureCaption:
      'The Orave, from the Kessir plateau to the delta: the Upper Sella dam now holds back nearly a third ' +
      'of the dry-season flow.',
    map: {
      label: 'Sketch map of the course of the Orave',
      plateau: 'Kessir plateau',
      dam: 'Upper Sella dam',
      city: 'Tessenra',
      delta: 'Orave delta',
      border: 'border',
    },
    before: [
      'In the great hall of Tessenra’s old customs house, maps have been pinned to the walls as if for a ' +
        'war room. Since Monday, delegations from the three countries the Orave crosses have been negotiating ' +
        'there, behind closed doors, a text they all say they want and none has yet signed: a schedule for ' +
        'filling the Upper Sella dam, completed eighteen months ago on the river’s upper course.',
      'For the upstream country, the dam is a promise of electricity for millions of homes still off the ' +
        'grid. For the two downstream countries, it is a threat: last year, during the eight driest weeks, the ' +
        'flow measured at the border fell below half its historical average. In the delta, rice farmers sowed ' +
        'late, and many harvested nothing.',
      '“We do not dispute the right to build; we dispute the right to set the pace alone,” says a diplomat ' +
        'from a downstream delegation, who asked not to be named because he is not authorised to speak during ' +
        'the talks. The upstream side answers that it has already slowed the filling twice, and cannot pause ' +
        'a project financed with borrowed money forever.',
    ],
    pullQuote: '“We do not dispute the right to build; we dispute the right to set the pace alone.”',
    after: [
      'The compromise on the table rests on a simple principle that is hard to put a number on: in a dry ' +
        'year, filling would be capped to guarantee a minimum flow at the border. Everything depends on the ' +
        'threshold. “The models differ by almost 20% depending on whether you use the series from the 1990s ' +
        'or from the last, much hotter, decade,” explains Mariam Oudaï, a hydrologist at the University of ' +
        'Tessenra who advises the mediators.',
      'A joint commission with its own gauging stations would check the flows in real time. That is where ' +
        'the talks are stuck: the upstream country accepts sharing data, not foreign sensors on its soil. A ' +
        'middle way — stations run by a regional body, with readings published daily — has been circulating ' +
        'in the corridors since Tuesday.',
      'The mediators have given themselves until the end of the month. After that the dry season will have ' +
        'begun, and every week of disagreement will be counted in hectares left unsown. “Nobody here wants to ' +
        'be the one who sank the deal,” a delegate confides. “But nobody wants to be the one who gave away too ' +
        'much, either.”',
    ],
    ask: {
      headline: 'No news is bad news',
      text: 'Your contributions will help us keep delivering the stories that matter to you',
    },
    premium: {
      kicker: 'Long read · for our supporters',
      episode: (n, of) => `Episode ${n} of ${of}`,
      promo: 'Long read, for our supporters: the Orave in four episodes (3 free a month)',
      episodes: 'Episodes',
    },
    footer: 'The Meridian is an imaginary newspaper, for the length of a demo.',
  },
};
