// The platform's demo network and order mix: the load the bench sends is the demo channels' traffic, over the
// network the platform runs.
export { createOrderMix, demoNetwork, type DemoNetwork, type GeneratedOrder, type OrderRequestBody } from '@switchyard/platform';
