// The demo: network data and files, the seeded order mix (shared with the benchmark harness) and the channel simulator.
export { mulberry32, Random, seedFromText, WeightedIndex } from '@switchyard/random';
export * from './network';
export * from './order-mix';
export * from './channel-simulator';
export * from './replenishment';
