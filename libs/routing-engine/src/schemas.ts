import { BACK_ORDER_POLICIES } from './model';
import { RANKING_CRITERIA } from './ruleset';

// JSON Schemas (draft-07) of rulesets and scenario files. docs/ruleset.schema.json and
// docs/scenario.schema.json are generated from these (`npm run route -- --print-schema ...`) and a spec
// keeps them equal.

const nonNegative = { type: 'number', minimum: 0 } as const;
const backOrderPolicy = { enum: [...BACK_ORDER_POLICIES] } as const;
const countryCode = { type: 'string', minLength: 2, maxLength: 3, description: 'ISO 3166 country (market) code' } as const;

export const rulesetSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://switchyard.dev/schemas/ruleset.schema.json',
  title: 'Switchyard routing ruleset',
  description: 'How the routing engine chooses the locations that ship an order. Every field is optional; see docs/routing.md for defaults.',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1 },
    version: { type: 'integer', minimum: 1 },
    description: { type: 'string' },
    strategy: { enum: ['cost', 'ranked'], description: 'cost: minimise total cost (default). ranked: apply `criteria` in order.' },
    criteria: {
      type: 'array',
      items: { enum: [...RANKING_CRITERIA] },
      uniqueItems: true,
      minItems: 1,
      description: 'Ranked strategy: criteria in order, each next one breaking the ties of the previous.',
    },
    filters: {
      type: 'object',
      additionalProperties: false,
      description: 'Hard filters that may be switched off. Stock (ATP) is always applied.',
      properties: {
        channel: { type: 'boolean' },
        market: { type: 'boolean' },
        capacity: { type: 'boolean' },
        cutoff: { type: 'boolean' },
      },
    },
    maxShipments: { type: 'integer', minimum: 1, maximum: 20 },
    splitLines: { type: 'boolean', description: 'May one line be split across locations?' },
    splitPenalty: { ...nonNegative, description: 'Cost added per shipment beyond the first.' },
    latenessPenaltyPerDay: { ...nonNegative, description: 'Cost added per shipment per day it arrives after the promised date.' },
    costModel: {
      type: 'object',
      additionalProperties: false,
      description: 'Shipping estimate = base + perKm × km + perKgKm × kg × km.',
      properties: { base: nonNegative, perKm: nonNegative, perKgKm: nonNegative },
    },
    transit: {
      type: 'object',
      description: 'Transit time per service level: max(minDays, ceil(km / kmPerDay)) days.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['minDays', 'kmPerDay'],
        properties: { minDays: { type: 'integer', minimum: 0 }, kmPerDay: { type: 'number', exclusiveMinimum: 0 } },
      },
    },
    locationRanking: { type: 'array', items: { type: 'string' }, uniqueItems: true },
    priority: {
      type: 'object',
      additionalProperties: false,
      properties: {
        tiers: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        reserve: {
          type: 'object',
          additionalProperties: false,
          properties: {
            default: { type: 'integer', minimum: 0 },
            byLocation: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
          },
        },
      },
    },
    backOrder: {
      type: 'object',
      additionalProperties: false,
      properties: {
        policy: backOrderPolicy,
        byChannel: { type: 'object', additionalProperties: backOrderPolicy },
        splitMaxShipments: { type: 'integer', minimum: 1, maximum: 20 },
      },
    },
    search: {
      type: 'object',
      additionalProperties: false,
      properties: { maxNodes: { type: 'integer', minimum: 1, maximum: 10_000_000 } },
    },
  },
} as const;

const { $schema: _schema, $id: _id, ...rulesetDefinition } = rulesetSchema;

const location = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'lat', 'lon', 'country', 'handlingCost'],
  properties: {
    id: { type: 'string', minLength: 1 },
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
    country: countryCode,
    handlingCost: nonNegative,
    channels: { type: 'array', items: { type: 'string' }, description: 'Channels it may serve; absent: all.' },
    markets: { type: 'array', items: countryCode, description: 'Destination countries it may ship to; absent: all.' },
    dailyCapacity: { type: 'integer', minimum: 0, description: 'Shipments per day; absent: unlimited.' },
    usedToday: { type: 'integer', minimum: 0 },
    cutoffs: {
      type: 'object',
      description: 'Local "HH:MM" cutoff per service level.',
      additionalProperties: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
    },
    utcOffsetMinutes: { type: 'integer', minimum: -720, maximum: 840 },
  },
} as const;

const stock = {
  type: 'object',
  required: ['locationId', 'sku'],
  oneOf: [
    {
      additionalProperties: false,
      required: ['available'],
      properties: { locationId: {}, sku: {}, available: { type: 'integer', minimum: 0 } },
    },
    {
      additionalProperties: false,
      required: ['onHand'],
      properties: {
        locationId: {},
        sku: {},
        onHand: { type: 'integer', minimum: 0 },
        reserved: { type: 'integer', minimum: 0 },
        safetyStock: { type: 'integer', minimum: 0 },
      },
    },
  ],
  properties: { locationId: { type: 'string', minLength: 1 }, sku: { type: 'string', minLength: 1 } },
  description: 'ATP of a SKU at a location: `available`, or `onHand` − `reserved` − `safetyStock`.',
} as const;

const isoInstant = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}([T ].*)?$' } as const;

const order = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'channel', 'destination', 'serviceLevel', 'lines'],
  properties: {
    id: { type: 'string', minLength: 1 },
    channel: { type: 'string', minLength: 1 },
    destination: {
      type: 'object',
      additionalProperties: false,
      required: ['lat', 'lon', 'country'],
      properties: { lat: location.properties.lat, lon: location.properties.lon, country: countryCode },
    },
    serviceLevel: { type: 'string', minLength: 1 },
    lines: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'quantity'],
        properties: {
          sku: { type: 'string', minLength: 1 },
          quantity: { type: 'integer', minimum: 1 },
          weightKg: { ...nonNegative, description: 'Weight per unit.' },
        },
      },
    },
    promisedDate: { ...isoInstant, description: 'YYYY-MM-DD (or ISO instant) promised to the customer.' },
    customerTier: { type: 'string' },
    priority: { enum: ['STANDARD', 'PRIORITY'] },
    backOrderPolicy,
    now: { ...isoInstant, description: 'Decision time for this order; defaults to the scenario `now`.' },
  },
} as const;

export const scenarioSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://switchyard.dev/schemas/scenario.schema.json',
  title: 'Switchyard routing scenario',
  description:
    'A network, its stock, a ruleset and orders for `npm run route -- <scenario>`. Orders are decided in sequence, each against the stock and capacity left by the plans before it.',
  type: 'object',
  additionalProperties: false,
  required: ['locations', 'stock', 'orders'],
  properties: {
    description: { type: 'string' },
    now: { ...isoInstant, description: 'Decision time (ISO instant). Without it cutoffs are not checked and dates are not estimated.' },
    locations: { type: 'array', minItems: 1, items: location },
    stock: { type: 'array', items: stock },
    ruleset: { $ref: '#/definitions/ruleset' },
    orders: { type: 'array', items: order },
  },
  definitions: { ruleset: rulesetDefinition },
} as const;
