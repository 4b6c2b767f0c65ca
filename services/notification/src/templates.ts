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
  | { readonly template: 'order-cancelled'; readonly channelOrderId: string; readonly reason: string; readonly lines: readonly ItemLine[] };

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
  },
  de: {
    accepted: (id: string) => ({ subject: `Wir haben Ihre Bestellung ${id} erhalten`, intro: `Vielen Dank! Ihre Bestellung ${id} wurde angenommen und wird vorbereitet.` }),
    dispatched: (id: string) => ({ subject: `Ihre Bestellung ${id} ist unterwegs`, intro: `Eine Sendung Ihrer Bestellung ${id} wurde dem Versanddienstleister übergeben. Sie enthält:` }),
    cancelled: (id: string) => ({ subject: `Ihre Bestellung ${id} wurde storniert`, intro: `Es tut uns leid: Die folgenden Artikel Ihrer Bestellung ${id} werden nicht geliefert.` }),
    carrier: (carrier: string, service: string) => `Versand: ${carrier} (${service})`,
    tracking: (n: string) => `Sendungsnummer: ${n}`,
    track: 'Sendung verfolgen',
    reason: (r: string) => `Grund: ${r}`,
  },
} as const;

const reasonText: Record<Language, Record<string, string>> = {
  en: { CUSTOMER_REQUEST: 'cancelled at your request', OUT_OF_STOCK: 'out of stock', PAYMENT_FAILED: 'the payment failed', FRAUD: 'the order could not be verified', OPERATOR: 'cancelled by our team', OTHER: 'other' },
  de: { CUSTOMER_REQUEST: 'auf Ihren Wunsch storniert', OUT_OF_STOCK: 'nicht vorrätig', PAYMENT_FAILED: 'die Zahlung ist fehlgeschlagen', FRAUD: 'die Bestellung konnte nicht geprüft werden', OPERATOR: 'von unserem Team storniert', OTHER: 'sonstiges' },
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
  }
}

/** Renders a message's plain-text and HTML parts in the customer's language. */
export function renderEmail(content: MessageContent, locale: string | null): RenderedEmail {
  const language = languageOf(locale);
  const parts = partsOf(content, language);
  const item = (l: ItemLine) => `${l.quantity} × ${l.sku}`;
  const text = [
    parts.intro,
    '',
    ...parts.items.map((l) => `- ${item(l)}`),
    ...(parts.details.length > 0 ? ['', ...parts.details] : []),
    ...(parts.link ? ['', `${parts.link.label}: ${parts.link.url}`] : []),
    '',
  ].join('\n');
  const html = [
    `<!doctype html><html lang="${language}"><body>`,
    `<p>${escapeHtml(parts.intro)}</p>`,
    parts.items.length > 0 ? `<ul>${parts.items.map((l) => `<li>${escapeHtml(item(l))}</li>`).join('')}</ul>` : '',
    ...parts.details.map((d) => `<p>${escapeHtml(d)}</p>`),
    parts.link ? `<p><a href="${escapeHtml(parts.link.url)}">${escapeHtml(parts.link.label)}</a></p>` : '',
    '</body></html>',
  ].join('');
  return { language, subject: parts.subject, text, html };
}
