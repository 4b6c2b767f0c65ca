// Carrier rating: pure functions from a rate table and a request to quotes, and from quotes to a choice.
export { AMOUNT_SCALE, addPercentRounded, amountOf, formatAmount, parseAmount } from './money';
export { addTransitDays, dayOf, isoDate, type TransitDayCount } from './calendar';
export { parseRateTable, validateRateTable, type RateTable, type RatedService, type WeightBand, type Zone } from './rate-table';
export { rateParcels, type RatingOutcome, type RatingRequest, type Unquoted } from './rate';
export { chooseQuote, decideSelection, type CarrierAnswer, type SelectionInput, type SelectionOutcome } from './select';
