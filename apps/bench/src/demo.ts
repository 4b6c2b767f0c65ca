// The platform's demo network and order mix: the load the bench sends is the demo channels' traffic, over the
// network the platform runs.
// eslint-disable-next-line @nx/enforce-module-boundaries -- the bench drives the platform app; Nx forbids importing apps unless told
export { createOrderMix, demoNetwork, type DemoNetwork, type GeneratedOrder, type OrderRequestBody } from '@switchyard/platform';
