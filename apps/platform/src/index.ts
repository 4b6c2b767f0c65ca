export { platformServices } from './services';
export type { DemoChannelKey, Platform, PlatformMode, PlatformOptions, PlatformProcess } from './platform.types';
