import { defaultSagaPolicy, type SagaPolicy } from '@switchyard/order-saga';
import { ConfigOf, settings } from '@switchyard/service-kit';

const ms = (fallback: number, doc: string) => settings.int({ default: fallback, min: 1, max: 31 * 24 * 3_600_000, doc });
const tries = (fallback: number, doc: string) => settings.int({ default: fallback, min: 1, max: 100, doc });
const p = defaultSagaPolicy;

/** `operatorId:role:sha256-hex`, comma-separated: the SHA-256 of each key, never the key. */
export const OPERATOR_KEY_ENTRY = /^[A-Za-z0-9._@-]{1,64}:(viewer|operator):[0-9a-f]{64}$/;

/** The orchestrator's own settings (validated at start with the common ones). */
export const orchestratorSettings = {
  ORCHESTRATOR_OPERATOR_KEYS: settings.optional(
    settings.string({
      secret: true,
      pattern: new RegExp(`^\\s*${OPERATOR_KEY_ENTRY.source.slice(1, -1)}(\\s*,\\s*${OPERATOR_KEY_ENTRY.source.slice(1, -1)})*\\s*$`),
      doc: 'operators allowed on /v1/ops: comma-separated operatorId:role:sha256hex (role viewer or operator; the SHA-256 of the key, hex); none: the ops API answers 401',
    }),
  ),
  ORCHESTRATOR_TIMER_SCAN_INTERVAL_MS: settings.int({ default: 1_000, min: 10, max: 600_000, doc: 'how often the durable timer scanner looks for due timers' }),
  ORCHESTRATOR_TIMER_BATCH: settings.int({ default: 100, min: 1, max: 10_000, doc: 'due timers fired per scan before the scanner yields' }),
  ORCHESTRATOR_WAKE_FANOUT: settings.int({ default: 50, min: 1, max: 10_000, doc: 'back-ordered orders woken by one StockLevelChanged (oldest back-order first)' }),
  ORCHESTRATOR_APPEND_ATTEMPTS: settings.int({ default: 10, min: 1, max: 50, doc: 'load-decide-append attempts per input when other writers of the same order win the version race' }),
  ORCHESTRATOR_ROUTING_DEADLINE_MS: ms(p.replyDeadlineMs.routing, 'wait for OrderRouted/OrderUnroutable'),
  ORCHESTRATOR_RESERVATION_DEADLINE_MS: ms(p.replyDeadlineMs.reservation, 'wait for StockReserved/StockReservationFailed'),
  ORCHESTRATOR_CARRIER_DEADLINE_MS: ms(p.replyDeadlineMs.carrierSelection, 'wait for CarrierSelected/CarrierSelectionFailed'),
  ORCHESTRATOR_FULFILMENT_ACCEPTANCE_DEADLINE_MS: ms(p.replyDeadlineMs.fulfilmentAcceptance, 'wait for FulfilmentAccepted'),
  ORCHESTRATOR_DISPATCH_DEADLINE_MS: ms(p.replyDeadlineMs.dispatch, 'wait for ShipmentDispatched when the location gave no expected time'),
  ORCHESTRATOR_FULFILMENT_CANCELLATION_DEADLINE_MS: ms(p.replyDeadlineMs.fulfilmentCancellation, 'wait for FulfilmentCancelled after a cancellation'),
  ORCHESTRATOR_DISPATCH_GRACE_MS: ms(p.dispatchGraceMs, 'slack after the expected dispatch time'),
  ORCHESTRATOR_MAX_ROUTING_TRIES: tries(p.maxTries.routing, 'RouteOrder sends before escalating'),
  ORCHESTRATOR_MAX_RESERVATION_TRIES: tries(p.maxTries.reservation, 'ReserveStock sends before escalating'),
  ORCHESTRATOR_MAX_CARRIER_TRIES: tries(p.maxTries.carrierSelection, 'SelectCarrier sends before escalating'),
  ORCHESTRATOR_CARRIER_RETRY_DELAY_MS: ms(p.carrierRetryDelayMs, 'pause before asking carrier again after CarrierSelectionFailed'),
  ORCHESTRATOR_MAX_AUTOMATIC_REROUTES: settings.int({ default: p.maxAutomaticReroutes, min: 0, max: 100, doc: 're-routes the saga starts by itself before asking an operator' }),
  ORCHESTRATOR_PARKED_CANCEL_TTL_MS: ms(3_600_000, 'a CancelOrder that came before its OrderAccepted waits this long for it, then is refused (logged at warn)'),
  ORCHESTRATOR_BACK_ORDER_REVIEW_MS: ms(p.backOrderReviewMs, 'a back-ordered order is routed again after this long without a stock signal'),
};

export type OrchestratorSettings = ConfigOf<typeof orchestratorSettings>;

/** The saga's deadlines and bounds, as configured. */
export function sagaPolicyOf(s: OrchestratorSettings): SagaPolicy {
  return {
    replyDeadlineMs: {
      routing: s.ORCHESTRATOR_ROUTING_DEADLINE_MS,
      reservation: s.ORCHESTRATOR_RESERVATION_DEADLINE_MS,
      carrierSelection: s.ORCHESTRATOR_CARRIER_DEADLINE_MS,
      fulfilmentAcceptance: s.ORCHESTRATOR_FULFILMENT_ACCEPTANCE_DEADLINE_MS,
      dispatch: s.ORCHESTRATOR_DISPATCH_DEADLINE_MS,
      fulfilmentCancellation: s.ORCHESTRATOR_FULFILMENT_CANCELLATION_DEADLINE_MS,
    },
    maxTries: {
      routing: s.ORCHESTRATOR_MAX_ROUTING_TRIES,
      reservation: s.ORCHESTRATOR_MAX_RESERVATION_TRIES,
      carrierSelection: s.ORCHESTRATOR_MAX_CARRIER_TRIES,
    },
    carrierRetryDelayMs: s.ORCHESTRATOR_CARRIER_RETRY_DELAY_MS,
    dispatchGraceMs: s.ORCHESTRATOR_DISPATCH_GRACE_MS,
    maxAutomaticReroutes: s.ORCHESTRATOR_MAX_AUTOMATIC_REROUTES,
    backOrderReviewMs: s.ORCHESTRATOR_BACK_ORDER_REVIEW_MS,
  };
}
