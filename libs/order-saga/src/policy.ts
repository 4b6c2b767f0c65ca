/** Deadlines and retry bounds of the saga. Every awaited reply has a deadline; nothing waits forever. */
export interface SagaPolicy {
  /** How long the saga waits for each kind of reply before it retries or escalates, in milliseconds. */
  readonly replyDeadlineMs: {
    readonly routing: number;
    readonly reservation: number;
    readonly carrierSelection: number;
    readonly fulfilmentAcceptance: number;
    /** Used when the location gave no expected dispatch time. */
    readonly dispatch: number;
    /** For a location to confirm (FulfilmentCancelled) that it withdrew a cancelled order's instruction. */
    readonly fulfilmentCancellation: number;
  };
  /** Requests sent per step (first send included) before the saga escalates with OrderNeedsAttention. */
  readonly maxTries: {
    readonly routing: number;
    readonly reservation: number;
    readonly carrierSelection: number;
  };
  /** Back-off before asking carrier again after CarrierSelectionFailed. */
  readonly carrierRetryDelayMs: number;
  /** Slack after a location's expected dispatch time before the saga escalates. */
  readonly dispatchGraceMs: number;
  /** Re-routes the saga starts by itself (race lost, rejection, short pick) before it asks an operator. */
  readonly maxAutomaticReroutes: number;
  /** How often a back-ordered order is re-routed when no stock signal arrives. */
  readonly backOrderReviewMs: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const defaultSagaPolicy: SagaPolicy = {
  replyDeadlineMs: {
    routing: 30 * SECOND,
    reservation: 30 * SECOND,
    carrierSelection: 2 * MINUTE,
    fulfilmentAcceptance: 30 * MINUTE,
    dispatch: 48 * HOUR,
    fulfilmentCancellation: 30 * MINUTE,
  },
  maxTries: { routing: 3, reservation: 3, carrierSelection: 3 },
  carrierRetryDelayMs: 5 * MINUTE,
  dispatchGraceMs: 4 * HOUR,
  maxAutomaticReroutes: 3,
  backOrderReviewMs: 6 * HOUR,
};
