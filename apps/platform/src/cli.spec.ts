import path from 'node:path';
import { parseCli } from './cli';

describe('platform command line', () => {
  it('defaults to the embedded platform with demo traffic on port 3000', () => {
    expect(parseCli([], {})).toMatchObject({ mode: 'embedded', demo: true, rate: 2, port: 3000, dataDir: path.resolve('.switchyard/data'), reset: false });
  });

  it('reads the flags and PORT / SWITCHYARD_DATA_DIR', () => {
    expect(parseCli(['--kafka', '--no-demo', '--rate', '0.5', '--dispatch-delay', '100'], { PORT: '8080', SWITCHYARD_DATA_DIR: '/tmp/sy' })).toMatchObject({
      mode: 'kafka',
      demo: false,
      rate: 0.5,
      port: 8080,
      dataDir: '/tmp/sy',
      dispatchDelayMs: 100,
    });
    expect(parseCli(['--kafka'], {})).toMatchObject({ mode: 'kafka', dataDir: path.resolve('.switchyard/kafka') });
    expect(parseCli(['--help'], {})).toBe('help');
  });

  it('names the flag that is wrong', () => {
    expect(() => parseCli(['--rate', 'fast'], {})).toThrow('--rate must be a number from 0.1 to 500; got "fast"');
    expect(() => parseCli(['--port', '70000'], {})).toThrow('--port must be a whole number from 0 to 65535; got "70000"');
    expect(() => parseCli([], { PORT: 'x' })).toThrow('--port must be a whole number');
    expect(() => parseCli(['--demo-off'], {})).toThrow("Unknown option '--demo-off'");
  });
});
