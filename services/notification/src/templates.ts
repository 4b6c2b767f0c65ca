/** What a customer message says, without who it goes to: stored with the delivery, rendered at send time. */
export interface ItemLine {
  readonly sku: string;
  readonly quantity: number;
}

export type MessageContent =
  | { readonly template: 'order-accepted'; readonly channelOrderId: string; readonly lines: readonly ItemLine[] }
  | {
      readonly template: 'order-dispatched';
      readonly channelOrderId: string;
      readonly carrierId: string;
      readonly serviceCode: string;
      readonly trackingNumber: string;
      readonly trackingUrl: string | null;
      readonly lines: readonly ItemLine[];
    }
  | { readonly template: 'order-cancelled'; readonly channelOrderId: string; readonly reason: string; readonly lines: readonly ItemLine[] }
  | { readonly template: 'order-rejected'; readonly channelOrderId: string; readonly reason: string; readonly detail: string }
  | { readonly template: 'order-held'; readonly channelOrderId: string; readonly reason: string; readonly lines: readonly ItemLine[] }
  | { readonly template: 'order-released'; readonly channelOrderId: string }
  | { readonly template: 'order-split'; readonly channelOrderId: string; readonly shipments: readonly PlannedPart[]; readonly backOrderedLines: readonly ItemLine[] }
  | { readonly template: 'order-completed'; readonly channelOrderId: string; readonly shipments: readonly ShippedPart[]; readonly cancelledLines: readonly ItemLine[] };

/** One shipment of a split order as planned: its items and when they are expected (ISO date). */
export interface PlannedPart {
  readonly shipmentId: string;
  readonly estimatedDelivery: string;
  readonly lines: readonly ItemLine[];
}

/** One shipment that left, as the completion lists it. */
export interface ShippedPart {
  readonly fulfilmentId: string;
  readonly carrierId: string;
  readonly trackingNumber: string;
  readonly lines: readonly ItemLine[];
}

export interface RenderedEmail {
  readonly language: Language;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export const languages = ['en', 'de'] as const;
export type Language = (typeof languages)[number];

/** The message language for a BCP 47 locale (`de-DE` → de); English when the locale is missing or not translated. */
export function languageOf(locale: string | null): Language {
  const primary = (locale ?? '').toLowerCase().split('-')[0];
  return languages.find((l) => l === primary) ?? 'en';
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** A message as paragraphs and an item list; text and HTML are made from the same parts so they never disagree. */
interface Parts {
  readonly subject: string;
  readonly intro: string;
  readonly items: readonly ItemLine[];
  /** Further item lists under a heading each (the parts of a split order). */
  readonly groups?: readonly { readonly heading: string; readonly items: readonly ItemLine[] }[];
  readonly details: readonly string[];
  readonly link?: { readonly label: string; readonly url: string };
}

const words = {
  en: {
    accepted: (id: string) => ({ subject: `We have received your order ${id}`, intro: `Thank you! Your order ${id} has been accepted and is being prepared.` }),
    dispatched: (id: string) => ({ subject: `Your order ${id} is on its way`, intro: `A shipment of your order ${id} has been handed to the carrier. It contains:` }),
    cancelled: (id: string) => ({ subject: `Your order ${id} has been cancelled`, intro: `We are sorry: the following items of your order ${id} will not be delivered.` }),
    carrier: (carrier: string, service: string) => `Carrier: ${carrier} (${service})`,
    tracking: (n: string) => `Tracking number: ${n}`,
    track: 'Track your shipment',
    reason: (r: string) => `Reason: ${r}`,
    rejected: (id: string) => ({ subject: `We could not accept your order ${id}`, intro: `We are sorry: your order ${id} could not be accepted, and nothing will be charged or shipped.` }),
    held: (id: string) => ({ subject: `Some items of your order ${id} are delayed`, intro: `The following items of your order ${id} are not in stock yet. We will send them as soon as they arrive:` }),
    released: (id: string) => ({ subject: `Your order ${id} is being prepared again`, intro: `Good news: your order ${id} is no longer waiting and is being prepared.` }),
    split: (id: string) => ({ subject: `Your order ${id} will arrive in several parts`, intro: `To get your order ${id} to you quickly, it will come in several shipments:` }),
    part: (n: number, date: string) => `Shipment ${n}, expected by ${date}:`,
    later: 'Later, once back in stock:',
    completed: (id: string) => ({ subject: `All of your order ${id} is on its way`, intro: `Every shipment of your order ${id} has left our warehouses:` }),
    notShipped: 'Not shipped:',
  },
  de: {
    accepted: (id: string) => ({ subject: `Wir haben Ihre Bestellung ${id} erhalten`, intro: `Vielen Dank! Ihre Bestellung ${id} wurde angenommen und wird vorbereitet.` }),
    dispatched: (id: string) => ({ subject: `Ihre Bestellung ${id} ist unterwegs`, intro: `Eine Sendung Ihrer Bestellung ${id} wurde dem Versanddienstleister übergeben. Sie enthält:` }),
    cancelled: (id: string) => ({ subject: `Ihre Bestellung ${id} wurde storniert`, intro: `Es tut uns leid: Die folgenden Artikel Ihrer Bestellung ${id} werden nicht geliefert.` }),
    carrier: (carrier: string, service: string) => `Versand: ${carrier} (${service})`,
    tracking: (n: string) => `Sendungsnummer: ${n}`,
    track: 'Sendung verfolgen',
    reason: (r: string) => `Grund: ${r}`,
    rejected: (id: string) => ({ subject: `Wir konnten Ihre Bestellung ${id} nicht annehmen`, intro: `Es tut uns leid: Ihre Bestellung ${id} konnte nicht angenommen werden; es wird nichts berechnet oder versandt.` }),
    held: (id: string) => ({ subject: `Einige Artikel Ihrer Bestellung ${id} verzögern sich`, intro: `Die folgenden Artikel Ihrer Bestellung ${id} sind noch nicht vorrätig. Wir senden sie, sobald sie eintreffen:` }),
    released: (id: string) => ({ subject: `Ihre Bestellung ${id} wird wieder vorbereitet`, intro: `Gute Nachricht: Ihre Bestellung ${id} wartet nicht mehr und wird vorbereitet.` }),
    split: (id: string) => ({ subject: `Ihre Bestellung ${id} kommt in mehreren Sendungen`, intro: `Damit Ihre Bestellung ${id} schnell bei Ihnen ist, kommt sie in mehreren Sendungen:` }),
    part: (n: number, date: string) => `Sendung ${n}, voraussichtlich bis ${date}:`,
    later: 'Später, sobald wieder vorrätig:',
    completed: (id: string) => ({ subject: `Ihre Bestellung ${id} ist vollständig unterwegs`, intro: `Alle Sendungen Ihrer Bestellung ${id} haben unsere Lager verlassen:` }),
    notShipped: 'Nicht versandt:',
  },
} as const;

const reasonText: Record<Language, Record<string, string>> = {
  en: { CUSTOMER_REQUEST: 'cancelled at your request', OUT_OF_STOCK: 'out of stock', PAYMENT_FAILED: 'the payment failed', FRAUD: 'the order could not be verified', OPERATOR: 'cancelled by our team', OTHER: 'other' },
  de: { CUSTOMER_REQUEST: 'auf Ihren Wunsch storniert', OUT_OF_STOCK: 'nicht vorrätig', PAYMENT_FAILED: 'die Zahlung ist fehlgeschlagen', FRAUD: 'die Bestellung konnte nicht geprüft werden', OPERATOR: 'von unserem Team storniert', OTHER: 'sonstiges' },
};

const rejectionText: Record<Language, Record<string, string>> = {
  en: { DUPLICATE_ORDER: 'the order was already received', UNKNOWN_CHANNEL: 'the shop is not set up for ordering', INVALID_ORDER: 'the order was incomplete', UNKNOWN_SKU: 'an item is not available', UNSERVICEABLE_DESTINATION: 'we cannot deliver to the address', OTHER: 'other' },
  de: { DUPLICATE_ORDER: 'die Bestellung liegt bereits vor', UNKNOWN_CHANNEL: 'der Shop ist nicht für Bestellungen eingerichtet', INVALID_ORDER: 'die Bestellung war unvollständig', UNKNOWN_SKU: 'ein Artikel ist nicht erhältlich', UNSERVICEABLE_DESTINATION: 'an diese Adresse können wir nicht liefern', OTHER: 'sonstiges' },
};

function partsOf(content: MessageContent, language: Language): Parts {
  const w = words[language];
  switch (content.template) {
    case 'order-accepted':
      return { ...w.accepted(content.channelOrderId), items: content.lines, details: [] };
    case 'order-dispatched':
      return {
        ...w.dispatched(content.channelOrderId),
        items: content.lines,
        details: [w.carrier(content.carrierId, content.serviceCode), w.tracking(content.trackingNumber)],
        ...(content.trackingUrl ? { link: { label: w.track, url: content.trackingUrl } } : {}),
      };
    case 'order-cancelled':
      return { ...w.cancelled(content.channelOrderId), items: content.lines, details: [w.reason(reasonText[language][content.reason] ?? reasonText[language]['OTHER'])] };
    case 'order-rejected':
      return { ...w.rejected(content.channelOrderId), items: [], details: [w.reason(rejectionText[language][content.reason] ?? rejectionText[language]['OTHER'])] };
    case 'order-held':
      return { ...w.held(content.channelOrderId), items: content.lines, details: [] };
    case 'order-released':
      return { ...w.released(content.channelOrderId), items: [], details: [] };
    case 'order-split':
      return {
        ...w.split(content.channelOrderId),
        items: [],
        groups: [
          ...content.shipments.map((s, i) => ({ heading: w.part(i + 1, s.estimatedDelivery), items: s.lines })),
          ...(content.backOrderedLines.length > 0 ? [{ heading: w.later, items: content.backOrderedLines }] : []),
        ],
        details: [],
      };
    case 'order-completed':
      return {
        ...w.completed(content.channelOrderId),
        items: content.shipments.flatMap((s) => s.lines),
        groups: content.cancelledLines.length > 0 ? [{ heading: w.notShipped, items: content.cancelledLines }] : [],
        details: [],
      };
  }
}

/** Renders a message's plain-text and HTML parts in the customer's language. */
export function renderEmail(content: MessageContent, locale: string | null): RenderedEmail {
  const language = languageOf(locale);
  const parts = partsOf(content, language);
  const item = (l: ItemLine) => `${l.quantity} × ${l.sku}`;
  const list = (items: readonly ItemLine[]) => (items.length > 0 ? `<ul>${items.map((l) => `<li>${escapeHtml(item(l))}</li>`).join('')}</ul>` : '');
  const text = [
    parts.intro,
    '',
    ...parts.items.map((l) => `- ${item(l)}`),
    ...(parts.groups ?? []).flatMap((g) => ['', g.heading, ...g.items.map((l) => `- ${item(l)}`)]),
    ...(parts.details.length > 0 ? ['', ...parts.details] : []),
    ...(parts.link ? ['', `${parts.link.label}: ${parts.link.url}`] : []),
    '',
  ].join('\n');
  const html = [
    `<!doctype html><html lang="${language}"><body>`,
    `<p>${escapeHtml(parts.intro)}</p>`,
    list(parts.items),
    ...(parts.groups ?? []).map((g) => `<p>${escapeHtml(g.heading)}</p>${list(g.items)}`),
    ...parts.details.map((d) => `<p>${escapeHtml(d)}</p>`),
    parts.link ? `<p><a href="${escapeHtml(parts.link.url)}">${escapeHtml(parts.link.label)}</a></p>` : '',
    '</body></html>',
  ].join('');
  return { language, subject: parts.subject, text, html };
}
