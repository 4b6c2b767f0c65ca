import type { RenderedEmail } from './templates';

/** What operations are alerted about. */
export type AlertKind = 'NEEDS_ATTENTION' | 'SLA_RISK' | 'BACKORDER_AGEING';

/** An operations alert as stored with its delivery: about the order, never about the customer (no contact data). */
export interface AlertContent {
  readonly template: 'ops-alert';
  readonly kind: AlertKind;
  readonly orderId: string;
  readonly channelOrderId: string | null;
  /** One line for people: what is wrong. */
  readonly summary: string;
  /** Further facts as label/value pairs (saga state, promised date, waiting since...). */
  readonly facts: readonly (readonly [string, string])[];
}

const titles: Record<AlertKind, string> = {
  NEEDS_ATTENTION: 'Order needs attention',
  SLA_RISK: 'Order will miss its promised date',
  BACKORDER_AGEING: 'Order waiting too long',
};

const orderName = (alert: AlertContent) => (alert.channelOrderId ? `${alert.orderId} (${alert.channelOrderId})` : alert.orderId);

/** Slack's mrkdwn needs &, < and > escaped; everything else is plain. */
const mrkdwn = (text: string) => text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c] as string);

/** A Slack-compatible incoming-webhook payload: `text` (the notification line and fallback) and `blocks`. */
export function slackPayload(alert: AlertContent): { text: string; blocks: unknown[] } {
  const title = `${titles[alert.kind]}: ${orderName(alert)}`;
  return {
    text: `${title}. ${alert.summary}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(alert.summary) } },
      {
        type: 'section',
        fields: [['Alert', alert.kind] as const, ['Order', alert.orderId] as const, ...alert.facts].slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: `*${mrkdwn(label)}*\n${mrkdwn(value)}` })),
      },
    ],
  };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** The operations email of an alert (English, plain text and HTML from the same facts). */
export function renderAlertEmail(alert: AlertContent): RenderedEmail {
  const facts: (readonly [string, string])[] = [['Alert', alert.kind], ['Order', orderName(alert)], ...alert.facts];
  return {
    language: 'en',
    subject: `[Switchyard] ${titles[alert.kind]}: ${orderName(alert)}`,
    text: [alert.summary, '', ...facts.map(([label, value]) => `${label}: ${value}`), ''].join('\n'),
    html: [
      '<!doctype html><html lang="en"><body>',
      `<p>${escapeHtml(alert.summary)}</p>`,
      `<table>${facts.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`,
      '</body></html>',
    ].join(''),
  };
}
