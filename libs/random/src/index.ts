export { mulberry32, Random, seedFromText, WeightedIndex } from './random';
