import { settings, type ConfigOf } from '@switchyard/service-kit';

/** Settings of the warehouse simulator (besides the ones every service reads). */
export const simulatorSettings = {
  WAREHOUSE_LOCATIONS: settings.list({
    default: ['dc-berlin', 'dc-leipzig'],
    item: /^[A-Za-z0-9_-]{1,100}$/,
    doc: 'fulfilment locations this process simulates: it reads fulfilment.instructions.<locationId> of each',
  }),
  DISPATCH_DELAY_MS: settings.int({ default: 5_000, min: 0, max: 7 * 24 * 3_600_000, doc: 'time from accepting an instruction to dispatching it' }),
  DISPATCH_SCAN_INTERVAL_MS: settings.int({ default: 250, min: 10, max: 60_000, doc: 'how often the dispatch loop looks for instructions due to ship' }),
  STOCK_FILE: settings.optional(settings.string({ doc: 'JSON or YAML { locationId: { sku: units } } put on hand at start where a SKU has no stock row yet' })),
  OPERATOR_KEY: settings.optional(settings.string({ secret: true, pattern: /^\S{16,}$/, doc: 'bearer key for the control endpoints (16+ characters); unset turns them off' })),
};

export type SimulatorSettings = ConfigOf<typeof simulatorSettings>;

/** The instruction topic of one location (FulfilmentInstructed's `fulfilment.instructions.{locationId}`). */
export const instructionTopic = (locationId: string): string => `fulfilment.instructions.${locationId}`;
