import { BACK_ORDER_POLICIES, SERVICE_LEVELS } from '../intake/read-order';
import { CANCELLATION_REASONS } from './orders.controller';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const text = (description: string, maxLength: number, extra: object = {}) => ({ type: 'string', minLength: 1, maxLength, description, ...extra });
const nullable = (schema: object) => ({ ...schema, nullable: true });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errorResponse = (description: string) => ({ description, ...json(ref('Errors')) });

/** The OpenAPI 3.0 document of the channel and operator API, with this instance's limits filled in. */
export function openApiDocument(limits: { readonly maxLines: number; readonly bodyLimit: string }): object {
  const orderPath = { name: 'orderId', in: 'path', required: true, schema: { type: 'string' }, description: 'Switchyard order id, as returned on submission' };
  return {
    openapi: '3.0.3',
    info: {
      title: 'Switchyard order intake',
      version: '1',
      description:
        `Sales channels submit orders, follow their status and timeline, and ask to cancel them. Every /v1/orders call needs the channel's API key; ` +
        `a channel sees only its own orders. A request body may be at most ${limits.bodyLimit}, an order at most ${limits.maxLines} lines (413 beyond). ` +
        'Every error answers with { "errors": [{ "path", "problem" }] } naming the field and what to do.',
    },
    security: [{ channelKey: [] }, { channelKeyHeader: [] }],
    paths: {
      '/v1/orders': {
        post: {
          summary: 'Submit an order',
          description:
            'Validates the order and accepts or rejects it. Sending the same channel order again returns the same order (200) and publishes nothing; ' +
            'a corrected order under the channel order id of a rejected one replaces it; different content under the id of a live order is refused (409).',
          requestBody: { required: true, ...json(ref('Order')) },
          responses: {
            '202': { description: 'Accepted: OrderAccepted published', headers: { Location: { schema: { type: 'string' }, description: '/v1/orders/{orderId}' } }, ...json(ref('Submitted')) },
            '200': { description: 'The same order was submitted before: its id and status', ...json(ref('Submitted')) },
            '400': errorResponse('Not a valid order: every wrong field with its path; nothing was recorded, correct and resend'),
            '401': errorResponse('Missing or invalid API key'),
            '409': { description: 'This channel order id already belongs to a live order with other content (DUPLICATE_ORDER)', ...json(ref('Rejected')) },
            '413': errorResponse(`Body larger than ${limits.bodyLimit}, or more than ${limits.maxLines} lines`),
            '422': { description: 'Recorded and rejected (UNKNOWN_SKU, UNSERVICEABLE_DESTINATION): OrderRejected published', ...json(ref('Rejected')) },
          },
        },
        get: {
          summary: "Find an order by the channel's own order id",
          parameters: [{ name: 'channelOrderId', in: 'query', required: true, schema: { type: 'string', maxLength: 200 } }],
          responses: { '200': { description: 'The order', ...json(ref('OrderStatus')) }, '401': errorResponse('Missing or invalid API key'), '404': errorResponse('No such order for this channel') },
        },
      },
      '/v1/orders/{orderId}': {
        get: {
          summary: 'Status and timeline of an order',
          parameters: [orderPath],
          responses: { '200': { description: 'The order', ...json(ref('OrderStatus')) }, '401': errorResponse('Missing or invalid API key'), '404': errorResponse('No such order for this channel') },
        },
      },
      '/v1/orders/{orderId}/cancel': {
        post: {
          summary: 'Ask to cancel an order',
          description: 'Sends CancelOrder to the orchestrator, which decides (a dispatched order cannot be cancelled); the outcome appears in the timeline.',
          parameters: [orderPath],
          requestBody: { required: false, ...json(ref('CancelRequest')) },
          responses: {
            '202': { description: 'Cancellation requested', ...json(ref('CancelRequested')) },
            '400': errorResponse('Invalid reason or note'),
            '401': errorResponse('Missing or invalid API key'),
            '404': errorResponse('No such order for this channel'),
            '409': errorResponse('The order is rejected, cancelled or completed already'),
          },
        },
      },
      '/v1/admin/channels': {
        get: { summary: 'List channels and their active key ids', security: [{ operatorKey: [] }], responses: { '200': { description: 'Channels' }, '401': errorResponse('Missing or invalid operator key'), '503': errorResponse('Admin API off (no OPERATOR_API_KEY)') } },
        post: {
          summary: 'Register a channel and issue its first API key (shown once)',
          security: [{ operatorKey: [] }],
          requestBody: { required: true, ...json(ref('NewChannel')) },
          responses: { '201': { description: 'The channel and its key', ...json(ref('IssuedKey')) }, '400': errorResponse('Invalid channel'), '401': errorResponse('Missing or invalid operator key'), '409': errorResponse('Channel exists') },
        },
      },
      '/v1/admin/channels/{channelId}/keys': {
        post: { summary: 'Issue a further key (rotation)', security: [{ operatorKey: [] }], parameters: [{ name: 'channelId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '201': { description: 'The key', ...json(ref('IssuedKey')) }, '404': errorResponse('No such channel') } },
      },
      '/v1/admin/keys/{keyId}': {
        delete: { summary: 'Revoke a key', security: [{ operatorKey: [] }], parameters: [{ name: 'keyId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'Revoked' }, '404': errorResponse('No such active key') } },
      },
      '/v1/admin/catalogue': {
        post: {
          summary: 'Import SKUs into the catalogue',
          security: [{ operatorKey: [] }],
          requestBody: { required: true, ...json({ type: 'object', required: ['skus'], properties: { skus: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'string', pattern: '^\\S{1,100}$' } } } }) },
          responses: { '200': { description: 'How many were new', ...json({ type: 'object', properties: { added: { type: 'integer' }, alreadyKnown: { type: 'integer' } } }) }, '400': errorResponse('Invalid SKUs') },
        },
      },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3 document' } } } },
    },
    components: {
      securitySchemes: {
        channelKey: { type: 'http', scheme: 'bearer', description: "The channel's API key: Authorization: Bearer syk_<key id>.<secret>" },
        channelKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        operatorKey: { type: 'http', scheme: 'bearer', description: 'OPERATOR_API_KEY of the service (or in X-Api-Key)' },
      },
      schemas: {
        Errors: {
          type: 'object',
          required: ['errors'],
          properties: {
            errors: {
              type: 'array',
              items: { type: 'object', required: ['path', 'problem'], properties: { path: { type: 'string', example: 'lines[2].quantity' }, problem: { type: 'string', example: 'must be a whole number ≥ 1, got 0' } } },
            },
          },
        },
        Order: {
          type: 'object',
          additionalProperties: false,
          required: ['channelOrderId', 'customer', 'destination', 'serviceLevel', 'lines'],
          properties: {
            channelOrderId: text("Your own order id; unique per channel (the dedupe key)", 100),
            customer: ref('Customer'),
            destination: ref('Address'),
            serviceLevel: { type: 'string', enum: SERVICE_LEVELS },
            promisedDate: nullable({ type: 'string', format: 'date', description: 'Delivery date promised to the customer' }),
            backOrderPolicy: nullable({ type: 'string', enum: BACK_ORDER_POLICIES, description: "null: the channel's default" }),
            market: nullable(text("Market sold in, e.g. DE; null: the channel's market, else the destination country", 32, { pattern: '^[A-Za-z0-9_-]{1,32}$' })),
            lines: { type: 'array', minItems: 1, maxItems: limits.maxLines, items: ref('OrderLine') },
          },
        },
        Customer: {
          type: 'object',
          additionalProperties: false,
          required: ['customerId', 'tier', 'priority', 'contactReference'],
          properties: {
            customerId: text("The channel's customer id", 200),
            tier: text('Business-defined tier, e.g. gold', 50),
            priority: { type: 'integer', minimum: 0, maximum: 1000, description: 'Higher goes first; 0 is ordinary' },
            contactReference: text('Opaque reference to the contact record at the channel', 200),
            email: nullable({ type: 'string', format: 'email', maxLength: 254 }),
            locale: nullable({ type: 'string', description: 'BCP 47 tag, e.g. de-DE' }),
          },
        },
        Address: {
          type: 'object',
          additionalProperties: false,
          required: ['recipientName', 'line1', 'city', 'countryCode'],
          properties: {
            recipientName: text('Name on the label', 200),
            line1: text('First address line', 200),
            line2: nullable(text('Second address line', 200)),
            city: text('City or town', 100),
            region: nullable(text('State, province or county', 100)),
            postalCode: nullable(text('Postal code', 20)),
            countryCode: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, e.g. DE' },
            coordinates: nullable({ type: 'object', required: ['latitude', 'longitude'], properties: { latitude: { type: 'number', minimum: -90, maximum: 90 }, longitude: { type: 'number', minimum: -180, maximum: 180 } } }),
          },
        },
        OrderLine: {
          type: 'object',
          additionalProperties: false,
          required: ['lineId', 'sku', 'quantity', 'unitPrice'],
          properties: {
            lineId: text('Unique within the order', 100),
            sku: text('A SKU in the catalogue', 100),
            quantity: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            unitWeightGrams: nullable({ type: 'integer', minimum: 0 }),
            unitPrice: {
              type: 'object',
              additionalProperties: false,
              required: ['amount', 'currency'],
              properties: { amount: { type: 'string', pattern: '^\\d{1,14}(\\.\\d{1,4})?$', example: '12.34' }, currency: { type: 'string', pattern: '^[A-Z]{3}$', example: 'EUR' } },
            },
          },
        },
        Submitted: { type: 'object', properties: { orderId: { type: 'string' }, status: { type: 'string' }, duplicate: { type: 'boolean' } } },
        Rejected: {
          allOf: [
            ref('Errors'),
            {
              type: 'object',
              properties: {
                orderId: { type: 'string' },
                status: { type: 'string', enum: ['REJECTED'] },
                duplicate: { type: 'boolean' },
                reason: { type: 'string', enum: ['DUPLICATE_ORDER', 'UNKNOWN_SKU', 'UNSERVICEABLE_DESTINATION'] },
                conflictsWithOrderId: { type: 'string' },
              },
            },
          ],
        },
        OrderStatus: {
          type: 'object',
          properties: {
            orderId: { type: 'string' },
            channel: { type: 'string' },
            channelOrderId: { type: 'string' },
            status: { type: 'string', enum: ['ACCEPTED', 'REJECTED', 'IN_PROGRESS', 'HELD', 'PARTIALLY_DISPATCHED', 'DISPATCHED', 'COMPLETED', 'CANCELLED'] },
            market: nullable({ type: 'string' }),
            receivedAt: { type: 'string', format: 'date-time' },
            receivedVia: { type: 'string', enum: ['http', 'kafka'] },
            rejection: nullable({ type: 'object', properties: { reason: { type: 'string' }, problems: ref('Errors') } }),
            conflictsWithOrderId: nullable({ type: 'string' }),
            cancelRequestedAt: nullable({ type: 'string', format: 'date-time' }),
            timeline: {
              type: 'array',
              items: { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, event: { type: 'string', example: 'ShipmentDispatched' }, summary: { type: 'string' } } },
            },
          },
        },
        CancelRequest: {
          type: 'object',
          additionalProperties: false,
          properties: { reason: { type: 'string', enum: CANCELLATION_REASONS, default: 'CUSTOMER_REQUEST' }, note: nullable({ type: 'string', maxLength: 500 }) },
        },
        CancelRequested: {
          type: 'object',
          properties: { orderId: { type: 'string' }, status: { type: 'string' }, cancellation: { type: 'string', enum: ['REQUESTED'] }, alreadyRequested: { type: 'boolean' } },
        },
        NewChannel: {
          type: 'object',
          required: ['channelId'],
          properties: {
            channelId: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,62}$' },
            defaultMarket: nullable({ type: 'string' }),
            defaultBackOrderPolicy: { type: 'string', enum: BACK_ORDER_POLICIES, default: 'HOLD' },
          },
        },
        IssuedKey: { type: 'object', properties: { channelId: { type: 'string' }, keyId: { type: 'string' }, apiKey: { type: 'string', description: 'Shown once; store it in the channel' } } },
      },
    },
  };
}
