// Orders for specs: a valid one by default; override what a spec is about.
export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channelOrderId: 'WEB-100234',
    customer: { customerId: 'cus-118', tier: 'gold', priority: 2, contactReference: 'crm:contact/118', email: 'kim@example.org', locale: 'de-DE' },
    destination: { recipientName: 'Kim Weber', line1: 'Torstraße 12', line2: null, city: 'Berlin', region: null, postalCode: '10119', countryCode: 'DE', coordinates: null },
    serviceLevel: 'EXPRESS',
    promisedDate: '2026-12-01',
    backOrderPolicy: null,
    lines: [
      { lineId: 'l1', sku: 'SKU-KETTLE', quantity: 1, unitWeightGrams: 1450, unitPrice: { amount: '39.99', currency: 'EUR' } },
      { lineId: 'l2', sku: 'SKU-MUG', quantity: 4, unitWeightGrams: null, unitPrice: { amount: '7.50', currency: 'EUR' } },
    ],
    market: null,
    ...overrides,
  };
}

export function line(lineId: string, sku: string, quantity = 1): Record<string, unknown> {
  return { lineId, sku, quantity, unitWeightGrams: null, unitPrice: { amount: '1.00', currency: 'EUR' } };
}
