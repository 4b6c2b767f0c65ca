export { DEFAULT_DATA_DIR, DEFAULT_PORT, startPlatform, type RunningPlatform } from './platform';
export type { DemoChannelKey, Platform, PlatformMode, PlatformOptions, PlatformProcess } from './platform.types';
export { formatProgress, ProgressCounter, ProgressObserver, progressTopics, type ProgressSnapshot } from './progress';
export * from './demo';
