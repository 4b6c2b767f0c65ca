/** Topics whose events the orchestrator's handlers take. */
export const CONSUMES = ['orders.lifecycle', 'orders.commands', 'routing.events', 'inventory.events', 'carrier.events', 'fulfilment.events'] as const;

/** Topics known at start; each location's `fulfilment.instructions.{locationId}` is created on first use (PublishedTopics). */
export const PUBLISHES = ['routing.commands', 'inventory.commands', 'carrier.commands', 'orders.lifecycle'] as const;
