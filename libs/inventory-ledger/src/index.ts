// Public API of @switchyard/inventory-ledger: the arithmetic of stock levels, ATP, safety stock and reservations,
// pure, so the inventory service, the embedded runtime and replays compute the very same numbers.
export { applyCount, availableToPromise, stockKey, viewOf, type CountApplied, type StockLevel, type StockView } from './stock-level';
export { noSafetyStock, parseSafetyStockPolicy, safetyStockFor, type SafetyStockPolicy } from './safety-stock';
export {
  byStockOrder,
  decideReservation,
  holdsOf,
  holdsOfChanges,
  openQuantity,
  planDispatch,
  planRelease,
  reservationProblems,
  reservationState,
  takeFromOnHand,
  type DispatchPlan,
  type HeldItem,
  type ItemChange,
  type ReleasePlan,
  type ReservationDecision,
  type ReservationState,
  type StockHold,
} from './reservation';
