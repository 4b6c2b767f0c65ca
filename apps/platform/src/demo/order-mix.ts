import type { EventPayload, OrderLine, ServiceLevel } from '@switchyard/contracts';
import type { DemoChannel, DemoCountry, DemoNetwork, DemoSku } from './network';
import { Random, seedFromText, WeightedIndex } from '@switchyard/random';

// The order mix: a deterministic, pure generator of the orders the demo's channels send (and the benchmark's
// load). Same seed and options → the same orders in the same order, on any machine. No clock, no I/O.

/** Exactly the JSON body `POST /v1/orders` accepts: OrderReceived's payload without metadata and channel. */
export type OrderRequestBody = Omit<EventPayload<'OrderReceived'>, 'metadata' | 'channel'>;

export interface GeneratedOrder {
  /** 0, 1, 2, … in generation order. */
  readonly sequence: number;
  /** The channel that sends it (its API key authenticates the request). */
  readonly channelId: string;
  readonly body: OrderRequestBody;
  /** Set for the orders the customer cancels: ask for the cancellation this long after the order was accepted. */
  readonly cancelAfterMs: number | null;
  /** What this order is made of, for counting the mix (not sent). */
  readonly traits: {
    readonly priority: boolean;
    /** Lines whose SKU has no stock anywhere. */
    readonly outOfStockLines: number;
    readonly units: number;
    readonly weightGrams: number;
  };
}

/** The proportions of the mix; every one is a probability (0..1). */
export interface MixProportions {
  /** Orders from priority customers (priority > 0; tier vip, or key-account for wholesale). */
  readonly priorityCustomers: number;
  /** Lines ordering a SKU that is out of stock everywhere. */
  readonly outOfStockLines: number;
  /** Orders the customer cancels a while later. */
  readonly cancellations: number;
  /** B2C orders asking for EXPRESS (only offered up to `expressMaxGrams`). */
  readonly express: number;
}

export const DEFAULT_MIX_PROPORTIONS: MixProportions = { priorityCustomers: 0.05, outOfStockLines: 0.03, cancellations: 0.03, express: 0.12 };

export interface OrderMixOptions {
  readonly seed: number;
  readonly network: DemoNetwork;
  /** Only these channels send (their traffic shares renormalised); default every channel of the network. */
  readonly channels?: readonly string[];
  /**
   * Part of every channel order id, so runs with the same seed do not collide on intake's de-duplication
   * (channel + channel order id). Default `s<seed>`; a live demo passes something unique per run.
   */
  readonly runId?: string;
  readonly proportions?: Partial<MixProportions>;
  /** Delay range of the cancellations (ms); default 2–20 s, so some come before dispatch and some after. */
  readonly cancelAfterMs?: readonly [number, number];
}

const B2C_LINE_COUNTS: readonly (readonly [number, number])[] = [
  [1, 58], [2, 24], [3, 7], [4, 4], [5, 3], [6, 2], [7, 1], [8, 1],
];
const B2C_QUANTITIES: readonly (readonly [number, number])[] = [[1, 80], [2, 14], [3, 4], [4, 2]];
const B2B_LINE_COUNTS: readonly (readonly [number, number])[] = [[2, 20], [3, 20], [4, 18], [5, 14], [6, 10], [8, 8], [10, 6], [12, 4]];
/** B2C express is offered for parcels up to this weight (the express services' heaviest band). */
export const EXPRESS_MAX_GRAMS = 31_500;
const CUSTOMERS_PER_CHANNEL = 50_000;
const BUSINESS_CUSTOMERS = 400;
const BUSINESS_KINDS = ['Haushaltswaren', 'Gartencenter', 'Baumarkt', 'Hotelbedarf', 'Einrichtungshaus', 'Eisenwaren'];
const LEGAL_FORMS: Readonly<Record<string, string>> = { DE: 'GmbH', AT: 'GmbH', NL: 'B.V.', BE: 'BV', PL: 'sp. z o.o.' };

/** An ASCII local part for an email address. */
const asciiName = (text: string): string =>
  text
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/ł/g, 'l')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.|\.$/g, '');

/** Checks the options and says what is wrong. */
function channelsOf(options: OrderMixOptions): DemoChannel[] {
  if (!Number.isFinite(options.seed)) throw new Error(`createOrderMix: seed must be a number, got ${String(options.seed)}`);
  const all = options.network.channels;
  if (!options.channels) return [...all];
  const unknown = options.channels.filter((id) => !all.some((c) => c.channelId === id));
  if (unknown.length > 0) throw new Error(`createOrderMix: unknown channel(s) ${unknown.join(', ')}; the network has ${all.map((c) => c.channelId).join(', ')}`);
  const chosen = all.filter((c) => options.channels?.includes(c.channelId));
  if (chosen.length === 0) throw new Error('createOrderMix: channels must name at least one channel');
  return chosen;
}

/**
 * An endless, deterministic stream of orders for the network's channels: 1–2 lines mostly and up to 8, popular
 * SKUs more often than the tail, ~3 % of lines for SKUs out of stock everywhere, mostly STANDARD and ~12 %
 * EXPRESS (B2C), ~5 % priority customers, addresses spread over the served countries with real cities and
 * postcodes, wholesale orders of whole cases, ~3 % flagged to be cancelled later. Pure: no clock, no I/O.
 */
export function createOrderMix(options: OrderMixOptions): IterableIterator<GeneratedOrder> {
  const channels = channelsOf(options);
  const network = options.network;
  const proportions = { ...DEFAULT_MIX_PROPORTIONS, ...options.proportions };
  for (const [name, value] of Object.entries(proportions)) {
    if (!(value >= 0 && value <= 1)) throw new Error(`createOrderMix: proportions.${name} must be from 0 to 1, got ${value}`);
  }
  const [cancelMin, cancelMax] = options.cancelAfterMs ?? [2_000, 20_000];
  if (!(Number.isInteger(cancelMin) && Number.isInteger(cancelMax) && cancelMin >= 0 && cancelMax >= cancelMin)) {
    throw new Error(`createOrderMix: cancelAfterMs must be [min, max] whole milliseconds with 0 ≤ min ≤ max, got [${cancelMin}, ${cancelMax}]`);
  }
  const runId = options.runId ?? `s${options.seed}`;
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(runId)) throw new Error(`createOrderMix: runId must be 1–40 letters, digits, _ or -, got ${JSON.stringify(runId)}`);

  const outOfStock = new Set(network.outOfStockSkus);
  const stocked = network.skus.filter((s) => !outOfStock.has(s.sku));
  const oosSkus = network.skus.filter((s) => outOfStock.has(s.sku));
  if (stocked.length === 0) throw new Error('createOrderMix: the network has no SKU in stock anywhere');
  // Demand by popularity: a Zipf-like long tail.
  const popularity = new WeightedIndex(stocked.map((s) => 1 / Math.pow(s.popularityRank, 0.9)));
  const countries = new Map(network.countries.map((c) => [c.code, c]));
  const channelWeights = channels.map((c) => [c, c.share] as const);

  const random = new Random((options.seed ^ seedFromText(runId)) >>> 0);

  function pickSkus(count: number): { sku: DemoSku; outOfStock: boolean }[] {
    const chosen = new Map<string, { sku: DemoSku; outOfStock: boolean }>();
    for (let attempts = 0; chosen.size < count && attempts < count * 20; attempts++) {
      const oos = oosSkus.length > 0 && random.chance(proportions.outOfStockLines);
      const sku = oos ? random.pick(oosSkus) : (stocked[popularity.draw(random)] as DemoSku);
      if (!chosen.has(sku.sku)) chosen.set(sku.sku, { sku, outOfStock: oos });
    }
    return [...chosen.values()];
  }

  function destination(country: DemoCountry, recipientName: string, business: boolean): OrderRequestBody['destination'] {
    const city = random.pick(country.cities);
    const street = random.pick(country.streets);
    const number = String(random.int(1, 180)) + (random.chance(0.1) ? random.pick(['a', 'b', 'c']) : '');
        const line2 = business ? `Wareneingang Tor ${random.int(1, 6)}` : random.chance(0.15) ? `${random.int(1, 5)}. OG` : null;
    return {
      recipientName,
      line1: `${street} ${number}`,
      line2,
      city: city.name,
      region: city.region,
      postalCode: country.postcode(random.int(city.postcodes[0], city.postcodes[1]), random),
      countryCode: country.code,
      // Geocoded by the shop: within a few km of the city centre.
      coordinates: { latitude: round(city.lat + (random.float() - 0.5) * 0.08, 5), longitude: round(city.lon + (random.float() - 0.5) * 0.12, 5) },
    };
  }

  function countryFor(channel: DemoChannel): DemoCountry {
    const served = channel.countries.map((code) => countries.get(code)).filter((c): c is DemoCountry => c !== undefined);
    if (served.length === 0) throw new Error(`createOrderMix: channel ${channel.channelId} serves no country of the network`);
    return random.weighted(served.map((c) => [c, c.share] as const));
  }

  function generate(sequence: number): GeneratedOrder {
    const channel = random.weighted(channelWeights);
    const country = countryFor(channel);
    const business = channel.kind === 'B2B';
    const lineCount = random.weighted(business ? B2B_LINE_COUNTS : B2C_LINE_COUNTS);
    const picked = pickSkus(lineCount);
    const lines: OrderLine[] = picked.map(({ sku }, i) => ({
      lineId: String(i + 1),
      sku: sku.sku,
      quantity: business ? sku.casePack * random.int(1, 6) : random.weighted(B2C_QUANTITIES),
      unitWeightGrams: sku.unitWeightGrams,
      unitPrice: { amount: sku.unitPrice, currency: network.currency },
    }));
    const weightGrams = lines.reduce((sum, line) => sum + line.quantity * (line.unitWeightGrams ?? 0), 0);
    const units = lines.reduce((sum, line) => sum + line.quantity, 0);

    const priority = random.chance(proportions.priorityCustomers);
    const first = random.pick(country.firstNames);
    const last = random.pick(country.lastNames);
    let customer: OrderRequestBody['customer'];
    let recipientName: string;
    if (business) {
      const number = random.int(1, BUSINESS_CUSTOMERS);
      recipientName = `${last} ${random.pick(BUSINESS_KINDS)} ${LEGAL_FORMS[country.code] ?? 'Ltd'}`;
      // Priority wholesale customers are key accounts.
      customer = {
        customerId: `b2b-${priority ? 'key' : 'acc'}-${String(number).padStart(4, '0')}`,
        tier: priority ? 'key-account' : 'business',
        priority: priority ? random.int(1, 3) : 0,
        contactReference: `erp:account/${number}`,
        email: `einkauf.${number}@example.com`,
        locale: country.locale,
      };
    } else {
      const number = random.int(1, CUSTOMERS_PER_CHANNEL);
      recipientName = `${first} ${last}`;
      customer = {
        customerId: `${channel.channelId}-${priority ? 'vip' : 'cus'}-${number}`,
        tier: priority ? 'vip' : 'standard',
        priority: priority ? random.int(1, 3) : 0,
        contactReference: `crm:${channel.channelId}/${number}`,
        email: random.chance(0.9) ? `${asciiName(first)}.${asciiName(last)}.${number}@example.org` : null,
        locale: country.locale,
      };
    }
    const serviceLevel: ServiceLevel = !business && weightGrams <= EXPRESS_MAX_GRAMS && random.chance(proportions.express) ? 'EXPRESS' : 'STANDARD';
    const cancel = random.chance(proportions.cancellations);
    const body: OrderRequestBody = {
      channelOrderId: `${channel.orderIdPrefix}-${runId}-${String(sequence + 1).padStart(7, '0')}`,
      customer,
      destination: destination(country, recipientName, business),
      serviceLevel,
      promisedDate: null,
      backOrderPolicy: null,
      lines,
      market: null,
    };
    return {
      sequence,
      channelId: channel.channelId,
      body,
      cancelAfterMs: cancel ? random.int(cancelMin, cancelMax) : null,
      traits: { priority, outOfStockLines: picked.filter((p) => p.outOfStock).length, units, weightGrams },
    };
  }

  function* stream(): Generator<GeneratedOrder, never, undefined> {
    for (let sequence = 0; ; sequence++) yield generate(sequence);
  }
  return stream();
}

/** The next `count` orders of a mix. */
export function takeOrders(mix: Iterator<GeneratedOrder>, count: number): GeneratedOrder[] {
  const orders: GeneratedOrder[] = [];
  for (let i = 0; i < count; i++) {
    const next = mix.next();
    if (next.done) break;
    orders.push(next.value);
  }
  return orders;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
