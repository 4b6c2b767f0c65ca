// The platform's demo network and order mix: the load the bench sends is the demo channels' traffic, over the
// network the platform runs. @switchyard/platform's index does not export its demo module (yet), so it is
// reached by path here, in this one place.
/* eslint-disable @nx/enforce-module-boundaries */
export { demoNetwork, type DemoNetwork } from '../../platform/src/demo/network';
export { createOrderMix, type GeneratedOrder, type OrderRequestBody } from '../../platform/src/demo/order-mix';
/* eslint-enable @nx/enforce-module-boundaries */
