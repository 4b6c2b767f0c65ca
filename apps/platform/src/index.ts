export { platformServices } from './services';
