import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackOrderPolicy, ServiceLevel } from '@switchyard/contracts';
import { Random } from '@switchyard/random';

// The demo network: a German home-and-garden retailer ("Hausfreund") selling through its web shop, a marketplace
// and to wholesale customers in DE, AT, NL, BE and PL. Three national DCs, one 3PL, five stores that ship from
// store, ~300 SKUs, three carriers with their own rate tables. All of it is data made deterministically from
// fixed seeds: every run of the demo (and every benchmark) sees the same network.

export type LocationKind = 'dc' | '3pl' | 'store';

/** A location as routing reads it (the routing engine's Location), plus what the demo says about it. */
export interface DemoLocation {
  readonly id: string;
  readonly kind: LocationKind;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly country: string;
  readonly handlingCost: number;
  readonly channels: readonly string[];
  readonly markets: readonly string[];
  readonly dailyCapacity: number;
  readonly cutoffs?: Readonly<Partial<Record<ServiceLevel, string>>>;
  readonly utcOffsetMinutes: number;
}

export interface DemoSku {
  readonly sku: string;
  readonly name: string;
  readonly category: string;
  readonly unitWeightGrams: number;
  /** Decimal string in EUR, as the order payload carries it. */
  readonly unitPrice: string;
  /** 1 = the best seller; demand falls off with the rank (a long tail). */
  readonly popularityRank: number;
  /** Units in a wholesale case. */
  readonly casePack: number;
}

export interface DemoCity {
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  /** Numeric part of the postcodes of the city, inclusive. */
  readonly postcodes: readonly [number, number];
  readonly region: string | null;
}

export interface DemoCountry {
  readonly code: string;
  /** Share of B2C demand shipping there (the shares add up to 1). */
  readonly share: number;
  readonly locale: string;
  /** Where routing puts an address of this country that comes without coordinates. */
  readonly centre: { readonly lat: number; readonly lon: number };
  readonly cities: readonly DemoCity[];
  readonly streets: readonly string[];
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  /** Formats a postcode of this country from its numeric part. */
  readonly postcode: (n: number, random: Random) => string;
}

export interface DemoChannel {
  readonly channelId: string;
  readonly kind: 'B2C' | 'B2B';
  /** Share of the order traffic (the shares add up to 1). */
  readonly share: number;
  readonly defaultMarket: string | null;
  readonly defaultBackOrderPolicy: BackOrderPolicy;
  /** Destination countries its customers are in. */
  readonly countries: readonly string[];
  /** Prefix of its own order ids. */
  readonly orderIdPrefix: string;
}

/** A rate table document exactly as the carrier-tablerate adapter reads it (docs/carrier.md, "Rate table format"). */
export interface RateTableDocument {
  readonly currency: string;
  readonly currencyDigits: number;
  readonly transitDayCount: 'business' | 'calendar';
  readonly fuelSurchargePercent: string;
  readonly zones: readonly { readonly id: string; readonly origins: readonly string[]; readonly destinations: readonly string[] }[];
  readonly weightBands: readonly { readonly id: string; readonly maxGrams: number }[];
  readonly services: readonly { readonly code: string; readonly serviceLevels: readonly ServiceLevel[]; readonly transitDays: Readonly<Record<string, number>> }[];
  readonly prices: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string>>>>>>;
}

export interface DemoCarrier {
  readonly carrierId: string;
  readonly description: string;
  readonly rateTable: RateTableDocument;
}

export interface DemoNetwork {
  readonly description: string;
  readonly currency: 'EUR';
  readonly locations: readonly DemoLocation[];
  readonly countries: readonly DemoCountry[];
  readonly skus: readonly DemoSku[];
  /** `{ locationId: { sku: units } }`, only positive counts: the warehouse simulator's STOCK_FILE. */
  readonly stock: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** SKUs in the catalogue with no stock anywhere: orders for them are accepted and back-ordered. */
  readonly outOfStockSkus: readonly string[];
  readonly carriers: readonly DemoCarrier[];
  readonly channels: readonly DemoChannel[];
}

// ---------------------------------------------------------------------------------------------------------------
// Locations

const ALL_CHANNELS = ['web', 'marketplace', 'wholesale'];
const CET = 60;

const LOCATIONS: readonly DemoLocation[] = [
  { id: 'dc-kassel', kind: 'dc', name: 'National DC Kassel', lat: 51.3127, lon: 9.4797, country: 'DE', handlingCost: 1.1, channels: ALL_CHANNELS, markets: ['DE', 'AT', 'NL', 'BE', 'PL'], dailyCapacity: 20_000, utcOffsetMinutes: CET },
  { id: 'dc-venlo', kind: 'dc', name: 'Benelux DC Venlo', lat: 51.3704, lon: 6.1724, country: 'NL', handlingCost: 1.2, channels: ALL_CHANNELS, markets: ['NL', 'BE', 'DE'], dailyCapacity: 8_000, utcOffsetMinutes: CET },
  { id: 'dc-vienna', kind: 'dc', name: 'Austria DC Wien-Inzersdorf', lat: 48.1436, lon: 16.3489, country: 'AT', handlingCost: 1.4, channels: ALL_CHANNELS, markets: ['AT', 'DE'], dailyCapacity: 5_000, utcOffsetMinutes: CET },
  { id: '3pl-poznan', kind: '3pl', name: '3PL Poznań (marketplace overflow)', lat: 52.4064, lon: 16.9252, country: 'PL', handlingCost: 2.2, channels: ['web', 'marketplace'], markets: ['PL', 'DE'], dailyCapacity: 3_000, utcOffsetMinutes: CET },
  ...(
    [
      ['store-berlin', 'Store Berlin Alexanderplatz', 52.5219, 13.4132, 'DE', 80],
      ['store-hamburg', 'Store Hamburg Mönckebergstraße', 53.5511, 9.9937, 'DE', 60],
      ['store-munich', 'Store München Marienplatz', 48.1374, 11.5755, 'DE', 60],
      ['store-cologne', 'Store Köln Schildergasse', 50.9363, 6.9528, 'DE', 40],
      ['store-vienna', 'Store Wien Mariahilfer Straße', 48.1967, 16.3464, 'AT', 40],
    ] as const
  ).map(
    ([id, name, lat, lon, country, capacity]): DemoLocation => ({
      id,
      kind: 'store',
      name,
      lat,
      lon,
      country,
      // Ship from store: dearer to pick, few parcels a day, web orders of its own country only, express before 16:00.
      handlingCost: 3.8,
      channels: ['web'],
      markets: [country],
      dailyCapacity: capacity,
      cutoffs: { EXPRESS: '16:00' },
      utcOffsetMinutes: CET,
    }),
  ),
];

// ---------------------------------------------------------------------------------------------------------------
// Countries, cities, names

const five = (n: number) => String(n).padStart(5, '0');
const LETTERS = 'ABCDEFGHJKLMNPRSTVWXZ';

const COUNTRIES: readonly DemoCountry[] = [
  {
    code: 'DE',
    share: 0.68,
    locale: 'de-DE',
    centre: { lat: 51.16, lon: 10.45 },
    postcode: five,
    cities: [
      { name: 'Berlin', lat: 52.52, lon: 13.405, postcodes: [10115, 14199], region: 'Berlin' },
      { name: 'Hamburg', lat: 53.551, lon: 9.993, postcodes: [20095, 22769], region: 'Hamburg' },
      { name: 'München', lat: 48.137, lon: 11.575, postcodes: [80331, 81929], region: 'Bayern' },
      { name: 'Köln', lat: 50.938, lon: 6.96, postcodes: [50667, 51149], region: 'Nordrhein-Westfalen' },
      { name: 'Frankfurt am Main', lat: 50.11, lon: 8.682, postcodes: [60306, 60599], region: 'Hessen' },
      { name: 'Stuttgart', lat: 48.776, lon: 9.183, postcodes: [70173, 70629], region: 'Baden-Württemberg' },
      { name: 'Düsseldorf', lat: 51.227, lon: 6.773, postcodes: [40210, 40629], region: 'Nordrhein-Westfalen' },
      { name: 'Leipzig', lat: 51.34, lon: 12.375, postcodes: [4103, 4357], region: 'Sachsen' },
      { name: 'Dortmund', lat: 51.514, lon: 7.465, postcodes: [44135, 44388], region: 'Nordrhein-Westfalen' },
      { name: 'Bremen', lat: 53.079, lon: 8.802, postcodes: [28195, 28779], region: 'Bremen' },
      { name: 'Dresden', lat: 51.05, lon: 13.738, postcodes: [1067, 1328], region: 'Sachsen' },
      { name: 'Hannover', lat: 52.375, lon: 9.732, postcodes: [30159, 30669], region: 'Niedersachsen' },
      { name: 'Nürnberg', lat: 49.452, lon: 11.077, postcodes: [90402, 90491], region: 'Bayern' },
      { name: 'Kassel', lat: 51.312, lon: 9.479, postcodes: [34117, 34134], region: 'Hessen' },
      { name: 'Freiburg im Breisgau', lat: 47.999, lon: 7.842, postcodes: [79098, 79117], region: 'Baden-Württemberg' },
      { name: 'Münster', lat: 51.96, lon: 7.626, postcodes: [48143, 48167], region: 'Nordrhein-Westfalen' },
      { name: 'Rostock', lat: 54.092, lon: 12.099, postcodes: [18055, 18147], region: 'Mecklenburg-Vorpommern' },
      { name: 'Kiel', lat: 54.323, lon: 10.123, postcodes: [24103, 24159], region: 'Schleswig-Holstein' },
    ],
    streets: ['Hauptstraße', 'Bahnhofstraße', 'Gartenstraße', 'Schulstraße', 'Lindenweg', 'Bergstraße', 'Kirchstraße', 'Goethestraße', 'Schillerstraße', 'Am Markt', 'Waldweg', 'Rosenstraße', 'Ringstraße', 'Mühlenweg'],
    firstNames: ['Anna', 'Lukas', 'Sophie', 'Jonas', 'Marie', 'Leon', 'Hannah', 'Felix', 'Lea', 'Paul', 'Mia', 'Elias', 'Jürgen', 'Sabine', 'Thomas', 'Katrin'],
    lastNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann'],
  },
  {
    code: 'AT',
    share: 0.12,
    locale: 'de-AT',
    centre: { lat: 47.59, lon: 14.14 },
    postcode: (n) => String(n),
    cities: [
      { name: 'Wien', lat: 48.208, lon: 16.373, postcodes: [1010, 1230], region: 'Wien' },
      { name: 'Graz', lat: 47.071, lon: 15.439, postcodes: [8010, 8055], region: 'Steiermark' },
      { name: 'Linz', lat: 48.306, lon: 14.286, postcodes: [4020, 4040], region: 'Oberösterreich' },
      { name: 'Salzburg', lat: 47.809, lon: 13.055, postcodes: [5020, 5026], region: 'Salzburg' },
      { name: 'Innsbruck', lat: 47.269, lon: 11.404, postcodes: [6020, 6080], region: 'Tirol' },
    ],
    streets: ['Hauptplatz', 'Mariahilfer Straße', 'Landstraße', 'Herrengasse', 'Kirchengasse', 'Bahnhofstraße', 'Schulgasse'],
    firstNames: ['Lena', 'Maximilian', 'Sarah', 'Tobias', 'Julia', 'David', 'Katharina', 'Florian'],
    lastNames: ['Gruber', 'Huber', 'Bauer', 'Wagner', 'Pichler', 'Steiner', 'Moser', 'Mayer'],
  },
  {
    code: 'NL',
    share: 0.1,
    locale: 'nl-NL',
    centre: { lat: 52.13, lon: 5.29 },
    postcode: (n, random) => `${n} ${random.pick([...LETTERS])}${random.pick([...LETTERS])}`,
    cities: [
      { name: 'Amsterdam', lat: 52.37, lon: 4.895, postcodes: [1011, 1109], region: 'Noord-Holland' },
      { name: 'Rotterdam', lat: 51.924, lon: 4.478, postcodes: [3011, 3089], region: 'Zuid-Holland' },
      { name: 'Utrecht', lat: 52.091, lon: 5.122, postcodes: [3511, 3585], region: 'Utrecht' },
      { name: 'Den Haag', lat: 52.07, lon: 4.3, postcodes: [2511, 2597], region: 'Zuid-Holland' },
      { name: 'Eindhoven', lat: 51.441, lon: 5.47, postcodes: [5611, 5658], region: 'Noord-Brabant' },
    ],
    streets: ['Kerkstraat', 'Dorpsstraat', 'Stationsweg', 'Molenweg', 'Schoolstraat', 'Prinsengracht', 'Julianalaan'],
    firstNames: ['Emma', 'Daan', 'Julia', 'Sem', 'Tess', 'Lucas', 'Sanne', 'Bram'],
    lastNames: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'Bakker', 'Visser', 'Smit', 'Mulder'],
  },
  {
    code: 'BE',
    share: 0.05,
    locale: 'nl-BE',
    centre: { lat: 50.5, lon: 4.47 },
    postcode: (n) => String(n),
    cities: [
      { name: 'Brussel', lat: 50.85, lon: 4.352, postcodes: [1000, 1210], region: 'Brussels Hoofdstedelijk Gewest' },
      { name: 'Antwerpen', lat: 51.219, lon: 4.402, postcodes: [2000, 2660], region: 'Antwerpen' },
      { name: 'Gent', lat: 51.054, lon: 3.717, postcodes: [9000, 9052], region: 'Oost-Vlaanderen' },
      { name: 'Leuven', lat: 50.88, lon: 4.7, postcodes: [3000, 3012], region: 'Vlaams-Brabant' },
    ],
    streets: ['Kerkstraat', 'Stationsstraat', 'Rue de la Station', 'Rue Royale', 'Molenstraat', 'Nieuwstraat'],
    firstNames: ['Louise', 'Arthur', 'Olivia', 'Noah', 'Elise', 'Jules', 'Marie', 'Lars'],
    lastNames: ['Peeters', 'Janssens', 'Maes', 'Jacobs', 'Mertens', 'Willems', 'Claes', 'Goossens'],
  },
  {
    code: 'PL',
    share: 0.05,
    locale: 'pl-PL',
    centre: { lat: 51.92, lon: 19.15 },
    postcode: (n) => `${five(n).slice(0, 2)}-${five(n).slice(2)}`,
    cities: [
      { name: 'Warszawa', lat: 52.23, lon: 21.012, postcodes: [1, 4999], region: 'mazowieckie' },
      { name: 'Poznań', lat: 52.406, lon: 16.925, postcodes: [60001, 61899], region: 'wielkopolskie' },
      { name: 'Wrocław', lat: 51.108, lon: 17.039, postcodes: [50001, 54613], region: 'dolnośląskie' },
      { name: 'Kraków', lat: 50.065, lon: 19.945, postcodes: [30001, 31999], region: 'małopolskie' },
      { name: 'Szczecin', lat: 53.428, lon: 14.553, postcodes: [70001, 71871], region: 'zachodniopomorskie' },
    ],
    streets: ['ul. Długa', 'ul. Polna', 'ul. Lipowa', 'ul. Leśna', 'ul. Słoneczna', 'ul. Kościuszki', 'ul. Mickiewicza'],
    firstNames: ['Zofia', 'Jakub', 'Maja', 'Antoni', 'Hanna', 'Jan', 'Alicja', 'Szymon'],
    lastNames: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński'],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Catalogue: ~300 SKUs in five categories, each with its weight and price ranges and wholesale case size.

interface Category {
  readonly code: string;
  readonly name: string;
  readonly count: number;
  readonly grams: readonly [number, number];
  readonly euros: readonly [number, number];
  readonly casePack: number;
  readonly nouns: readonly string[];
}

const CATEGORIES: readonly Category[] = [
  { code: 'KIT', name: 'kitchen', count: 70, grams: [150, 3500], euros: [4.99, 129], casePack: 6, nouns: ['Kettle', 'Frying Pan', 'Chef Knife', 'Cutting Board', 'Mug Set', 'Saucepan', 'Colander', 'Grater', 'Teapot', 'Storage Jar', 'Whisk', 'Baking Tray'] },
  { code: 'HOM', name: 'home textiles', count: 60, grams: [200, 2500], euros: [9.99, 89], casePack: 6, nouns: ['Bath Towel', 'Duvet Cover', 'Cushion', 'Throw Blanket', 'Curtain', 'Tablecloth', 'Bath Mat', 'Pillow'] },
  { code: 'DIY', name: 'tools', count: 60, grams: [100, 6000], euros: [3.49, 249], casePack: 4, nouns: ['Cordless Drill', 'Screwdriver Set', 'Hammer', 'Spirit Level', 'Tape Measure', 'Wrench Set', 'Sanding Block', 'Toolbox', 'Work Light'] },
  { code: 'GAR', name: 'garden', count: 60, grams: [300, 9000], euros: [5.99, 199], casePack: 4, nouns: ['Garden Hose', 'Pruning Shears', 'Plant Pot', 'Watering Can', 'Rake', 'Bird Feeder', 'Solar Lamp', 'Seed Tray', 'Garden Chair'] },
  { code: 'ELA', name: 'electrical accessories', count: 50, grams: [50, 1200], euros: [2.99, 59], casePack: 12, nouns: ['Extension Lead', 'LED Bulb', 'USB Charger', 'Smart Plug', 'Cable Reel', 'Battery Pack', 'Night Light'] },
];
const ADJECTIVES = ['Classic', 'Nordic', 'Compact', 'Premium', 'Eco', 'Vintage', 'Pro', 'Essential', 'Urban', 'Alpine', 'Family', 'Studio'];

const OUT_OF_STOCK_COUNT = 12;

function buildSkus(random: Random): DemoSku[] {
  const drafts = CATEGORIES.flatMap((category) =>
    Array.from({ length: category.count }, (_, i) => {
      // Weight and price drawn log-uniformly: many light, cheap things and a few heavy, dear ones.
      const logBetween = ([low, high]: readonly [number, number]) => Math.exp(Math.log(low) + random.float() * (Math.log(high) - Math.log(low)));
      const euros = Math.max(1, Math.floor(logBetween(category.euros))) + 0.99;
      return {
        sku: `${category.code}-${String(1001 + i)}`,
        name: `${random.pick(ADJECTIVES)} ${random.pick(category.nouns)}`,
        category: category.name,
        unitWeightGrams: Math.round(logBetween(category.grams) / 10) * 10,
        unitPrice: euros.toFixed(2),
        casePack: category.casePack,
      };
    }),
  );
  const ranks = random.shuffle(drafts.map((_, i) => i + 1));
  return drafts.map((draft, i) => ({ ...draft, popularityRank: ranks[i] as number }));
}

/**
 * Stock with a long tail: the national DC carries nearly everything, the best sellers in thousands and the tail in
 * tens; the other DCs and the 3PL carry the better part of the range; stores a few units of some SKUs; a dozen
 * SKUs are out of stock everywhere.
 */
function buildStock(random: Random, skus: readonly DemoSku[], outOfStock: ReadonlySet<string>): Record<string, Record<string, number>> {
  const stock: Record<string, Record<string, number>> = Object.fromEntries(LOCATIONS.map((l) => [l.id, {}]));
  const put = (locationId: string, sku: string, units: number) => {
    if (units > 0) (stock[locationId] as Record<string, number>)[sku] = units;
  };
  const count = skus.length;
  for (const sku of skus) {
    if (outOfStock.has(sku.sku)) continue;
    const demand = 1 / Math.pow(sku.popularityRank, 0.9); // 1 for the best seller, ~0.006 at rank 300
    const around = (units: number) => Math.round(units * (0.6 + 0.8 * random.float()));
    const topHalf = sku.popularityRank <= count / 2;
    put('dc-kassel', sku.sku, random.chance(0.97) ? Math.max(3, around(6_000 * demand)) : 0);
    put('dc-venlo', sku.sku, random.chance(topHalf ? 0.85 : 0.45) ? Math.max(2, around(2_000 * demand)) : 0);
    put('dc-vienna', sku.sku, random.chance(topHalf ? 0.75 : 0.3) ? Math.max(2, around(1_200 * demand)) : 0);
    put('3pl-poznan', sku.sku, random.chance(sku.popularityRank <= 120 ? 0.8 : 0.1) ? Math.max(5, around(1_500 * demand)) : 0);
    for (const store of LOCATIONS.filter((l) => l.kind === 'store')) {
      put(store.id, sku.sku, random.chance(topHalf ? 0.55 : 0.15) ? random.int(1, 12) : 0);
    }
  }
  return stock;
}

// ---------------------------------------------------------------------------------------------------------------
// Carriers: three rate tables over the same lanes (every origin country of the network to every served country).

const ORIGINS = [...new Set(LOCATIONS.map((l) => l.country))].sort();
const DESTINATIONS = COUNTRIES.map((c) => c.code);

/** Zone per lane kind: DOM_xx (domestic, per origin) and EU_xx (cross-border from that origin). */
function zones(): RateTableDocument['zones'] {
  return ORIGINS.flatMap((origin) => [
    { id: `DOM_${origin}`, origins: [origin], destinations: [origin] },
    { id: `EU_${origin}`, origins: [origin], destinations: DESTINATIONS.filter((d) => d !== origin) },
  ]);
}

type LaneKind = 'DOM' | 'EU';
const zoneIds = (kind: LaneKind) => ORIGINS.map((origin) => `${kind}_${origin}`);

/** `prices[service][zone][band]` from a price per band for domestic lanes, cross-border lanes costing `euFactor` times. */
function priceGrid(bands: Readonly<Record<string, number>>, euFactor: number): Record<string, Record<string, string>> {
  const grid: Record<string, Record<string, string>> = {};
  for (const kind of ['DOM', 'EU'] as const) {
    for (const zone of zoneIds(kind)) {
      grid[zone] = Object.fromEntries(Object.entries(bands).map(([band, euros]) => [band, (kind === 'DOM' ? euros : euros * euFactor).toFixed(2)]));
    }
  }
  return grid;
}

const transit = (domestic: number, crossBorder: number): Record<string, number> =>
  Object.fromEntries([...zoneIds('DOM').map((z) => [z, domestic]), ...zoneIds('EU').map((z) => [z, crossBorder])]);

const PARCEL_BANDS = [
  { id: 'UP_TO_1KG', maxGrams: 1_000 },
  { id: 'UP_TO_2KG', maxGrams: 2_000 },
  { id: 'UP_TO_5KG', maxGrams: 5_000 },
  { id: 'UP_TO_10KG', maxGrams: 10_000 },
  { id: 'UP_TO_20KG', maxGrams: 20_000 },
  { id: 'UP_TO_31_5KG', maxGrams: 31_500 },
];
/** Wholesale orders ship as freight: a pallet up to 1.5 t. */
const FREIGHT_BANDS = [...PARCEL_BANDS, { id: 'UP_TO_300KG', maxGrams: 300_000 }, { id: 'UP_TO_1500KG', maxGrams: 1_500_000 }];

const CARRIERS: readonly DemoCarrier[] = [
  {
    carrierId: 'sparpaket',
    description: 'economy parcels and freight: cheapest, slowest',
    rateTable: {
      currency: 'EUR',
      currencyDigits: 2,
      transitDayCount: 'business',
      fuelSurchargePercent: '6.5',
      zones: zones(),
      weightBands: FREIGHT_BANDS,
      services: [{ code: 'ECONOMY', serviceLevels: ['STANDARD'], transitDays: transit(3, 5) }],
      prices: {
        ECONOMY: priceGrid({ UP_TO_1KG: 3.29, UP_TO_2KG: 3.79, UP_TO_5KG: 4.49, UP_TO_10KG: 6.99, UP_TO_20KG: 10.49, UP_TO_31_5KG: 13.99, UP_TO_300KG: 59, UP_TO_1500KG: 149 }, 2.4),
      },
    },
  },
  {
    carrierId: 'paketnetz',
    description: 'the standard parcel carrier: next-but-one day at home, a premium service for express',
    rateTable: {
      currency: 'EUR',
      currencyDigits: 2,
      transitDayCount: 'business',
      fuelSurchargePercent: '8.5',
      zones: zones(),
      weightBands: FREIGHT_BANDS,
      services: [
        { code: 'STANDARD', serviceLevels: ['STANDARD'], transitDays: transit(2, 3) },
        { code: 'PREMIUM', serviceLevels: ['STANDARD', 'EXPRESS'], transitDays: transit(1, 2) },
      ],
      prices: {
        STANDARD: priceGrid({ UP_TO_1KG: 4.19, UP_TO_2KG: 4.69, UP_TO_5KG: 5.49, UP_TO_10KG: 8.49, UP_TO_20KG: 12.99, UP_TO_31_5KG: 16.49, UP_TO_300KG: 69, UP_TO_1500KG: 179 }, 2.2),
        PREMIUM: priceGrid({ UP_TO_1KG: 11.9, UP_TO_2KG: 12.9, UP_TO_5KG: 14.9, UP_TO_10KG: 19.9, UP_TO_20KG: 26.9, UP_TO_31_5KG: 32.9 }, 1.9),
      },
    },
  },
  {
    carrierId: 'blitzkurier',
    description: 'express courier: next day everywhere it goes, parcels up to 31.5 kg',
    rateTable: {
      currency: 'EUR',
      currencyDigits: 2,
      transitDayCount: 'business',
      fuelSurchargePercent: '12',
      zones: zones(),
      weightBands: PARCEL_BANDS,
      services: [{ code: 'EXPRESS_1200', serviceLevels: ['STANDARD', 'EXPRESS', 'NEXT_DAY'], transitDays: transit(1, 1) }],
      prices: {
        EXPRESS_1200: priceGrid({ UP_TO_1KG: 9.9, UP_TO_2KG: 10.9, UP_TO_5KG: 12.9, UP_TO_10KG: 17.9, UP_TO_20KG: 24.9, UP_TO_31_5KG: 29.9 }, 2.1),
      },
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Channels

const CHANNELS: readonly DemoChannel[] = [
  // The web shop: B2C everywhere the network serves; an order waits (HOLD) until it can ship complete.
  { channelId: 'web', kind: 'B2C', share: 0.65, defaultMarket: null, defaultBackOrderPolicy: 'HOLD', countries: DESTINATIONS, orderIdPrefix: 'WEB' },
  // The marketplace wants what can ship now to ship now: the rest follows as it comes in.
  { channelId: 'marketplace', kind: 'B2C', share: 0.27, defaultMarket: null, defaultBackOrderPolicy: 'PART_SHIP', countries: DESTINATIONS, orderIdPrefix: 'MP' },
  // Wholesale: shops and hotels in DE, AT and the Benelux ordering cases; split shipments are fine.
  { channelId: 'wholesale', kind: 'B2B', share: 0.08, defaultMarket: 'B2B', defaultBackOrderPolicy: 'SPLIT', countries: ['DE', 'AT', 'NL', 'BE'], orderIdPrefix: 'PO' },
];

// ---------------------------------------------------------------------------------------------------------------

/** Builds the demo network; the same every time (fixed seeds). */
export function buildDemoNetwork(): DemoNetwork {
  const skus = buildSkus(new Random(20261127));
  // The out-of-stock SKUs are spread over the popularity ranks, so orders do hit them.
  const outOfStock = new Random(404)
    .shuffle(skus)
    .slice(0, OUT_OF_STOCK_COUNT)
    .map((s) => s.sku)
    .sort();
  return {
    description: 'Switchyard demo: Hausfreund, a German home-and-garden retailer (3 DCs, a 3PL, 5 ship-from-store shops) selling to DE, AT, NL, BE and PL',
    currency: 'EUR',
    locations: LOCATIONS,
    countries: COUNTRIES,
    skus,
    stock: buildStock(new Random(7), skus, new Set(outOfStock)),
    outOfStockSkus: outOfStock,
    carriers: CARRIERS,
    channels: CHANNELS,
  };
}

/** The demo network (built once on first import). */
export const demoNetwork: DemoNetwork = buildDemoNetwork();

// ---------------------------------------------------------------------------------------------------------------
// Files and service environments

/** The routing NETWORK_FILE document: the engine's Location fields only (kind and name are the demo's). */
export function routingNetworkDocument(network: DemoNetwork = demoNetwork): Record<string, unknown> {
  return {
    description: network.description,
    currency: network.currency,
    fallbackCoordinates: Object.fromEntries(network.countries.map((c) => [c.code, { lat: c.centre.lat, lon: c.centre.lon }])),
    locations: network.locations.map((l) => ({
      id: l.id,
      lat: l.lat,
      lon: l.lon,
      country: l.country,
      handlingCost: l.handlingCost,
      channels: l.channels,
      markets: l.markets,
      dailyCapacity: l.dailyCapacity,
      ...(l.cutoffs ? { cutoffs: l.cutoffs } : {}),
      utcOffsetMinutes: l.utcOffsetMinutes,
    })),
  };
}

export interface DemoFiles {
  readonly dir: string;
  /** routing's NETWORK_FILE. */
  readonly networkFile: string;
  /** the warehouse simulator's STOCK_FILE. */
  readonly stockFile: string;
  /** carrier id → its RATE_TABLE_FILE, in the network's carrier order. */
  readonly rateTableFiles: Readonly<Record<string, string>>;
}

/** Writes the network, stock and rate table files (JSON) into `dir` (created if missing) and returns their paths. */
export function writeDemoFiles(dir: string, network: DemoNetwork = demoNetwork): DemoFiles {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, document: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    return file;
  };
  return {
    dir,
    networkFile: write('network.json', routingNetworkDocument(network)),
    stockFile: write('stock.json', network.stock),
    rateTableFiles: Object.fromEntries(network.carriers.map((c) => [c.carrierId, write(`rate-table.${c.carrierId}.json`, c.rateTable)])),
  };
}

/** The environment of one carrier-tablerate adapter instance. */
export type CarrierAdapterEnv = {
  readonly CARRIER_ID: string;
  readonly RATE_TABLE_FILE: string;
};

export interface DemoServiceEnv {
  readonly routing: NodeJS.ProcessEnv;
  readonly carrier: NodeJS.ProcessEnv;
  /** One carrier-tablerate instance per carrier (definition name `carrier-<CARRIER_ID>`). */
  readonly carrierAdapters: readonly CarrierAdapterEnv[];
  readonly 'warehouse-simulator': NodeJS.ProcessEnv;
  readonly inventory: NodeJS.ProcessEnv;
}

export interface DemoEnvOptions {
  /** From a warehouse accepting an instruction to dispatching it; default 4 s. */
  readonly dispatchDelayMs?: number;
  /** Units kept back from promising at every location; default 1. */
  readonly safetyStock?: number;
}

/**
 * Each service's demo settings (merge them over the common ones: DATABASE_URL, KAFKA_BROKERS, keys, ports).
 * Operator keys are not in here: the platform makes those.
 */
export function demoServiceEnv(files: DemoFiles, network: DemoNetwork = demoNetwork, options: DemoEnvOptions = {}): DemoServiceEnv {
  const missing = network.carriers.filter((c) => files.rateTableFiles[c.carrierId] === undefined).map((c) => c.carrierId);
  if (missing.length > 0) throw new Error(`demoServiceEnv: no rate table file for carrier(s) ${missing.join(', ')}; write the files with writeDemoFiles(dir) for this network`);
  const locationIds = network.locations.map((l) => l.id);
  return {
    routing: { NETWORK_FILE: files.networkFile },
    carrier: {
      CARRIERS: network.carriers.map((c) => c.carrierId).join(','),
      LOCATION_COUNTRIES: network.locations.map((l) => `${l.id}:${l.country}`).join(','),
    },
    carrierAdapters: network.carriers.map((c) => ({ CARRIER_ID: c.carrierId, RATE_TABLE_FILE: files.rateTableFiles[c.carrierId] as string })),
    'warehouse-simulator': {
      WAREHOUSE_LOCATIONS: locationIds.join(','),
      STOCK_FILE: files.stockFile,
      DISPATCH_DELAY_MS: String(options.dispatchDelayMs ?? 4_000),
    },
    inventory: { INVENTORY_DEFAULT_SAFETY_STOCK: String(options.safetyStock ?? 1) },
  };
}

/** Every SKU of the catalogue, the out-of-stock ones included (for order-intake's catalogue). */
export const catalogueSkus = (network: DemoNetwork = demoNetwork): string[] => network.skus.map((s) => s.sku);
