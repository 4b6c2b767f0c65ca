/** Topics whose events the orchestrator's handlers take. */
export const CONSUMES = ['orders.lifecycle', 'orders.commands', 'routing.events', 'inventory.events', 'carrier.events', 'fulfilment.events'] as const;

/** Topics known at start. */
export const PUBLISHES = ['routing.commands', 'inventory.commands', 'carrier.commands', 'orders.lifecycle'] as const;

/**
 * Each location's `fulfilment.instructions.{locationId}`: locations are routing's to know, so the relay creates a
 * location's topic (with its .dlq) before its first instruction goes out. The broker does not create topics on use.
 */
export const CREATED_ON_FIRST_USE = ['fulfilment.instructions.'] as const;
