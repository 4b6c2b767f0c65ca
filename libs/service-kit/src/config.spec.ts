import { ConfigurationError, describeConfig, loadConfig, settings } from './config';

const schema = {
  PORT: settings.int({ default: 8080, min: 1, max: 65535 }),
  MODE: settings.oneOf(['kafka', 'embedded'] as const, { default: 'kafka' }),
  DATABASE_URL: settings.url({ protocols: ['postgres:'] }),
  API_KEY: settings.string({ secret: true, pattern: /^[a-z]{8,}$/ }),
  BROKERS: settings.optional(settings.list({ item: /^[^:]+:\d+$/ })),
  VERBOSE: settings.bool({ default: false }),
};

describe('service configuration', () => {
  it('reads typed values, and defaults for what is not set', () => {
    const config = loadConfig('test', schema, { DATABASE_URL: 'postgres://u:pw@db:5432/x', API_KEY: 'abcdefgh', BROKERS: 'a:1, b:2', VERBOSE: 'yes' });
    expect(config).toEqual({ PORT: 8080, MODE: 'kafka', DATABASE_URL: 'postgres://u:pw@db:5432/x', API_KEY: 'abcdefgh', BROKERS: ['a:1', 'b:2'], VERBOSE: true });
  });

  it('reports every problem at once, by variable, without echoing a secret', () => {
    let error: unknown;
    try {
      loadConfig('service inventory', schema, { PORT: '70000', MODE: 'zookeeper', DATABASE_URL: 'mysql://x', API_KEY: 'Sup3r-Secret', BROKERS: 'a:1,b' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const { problems, message } = error as ConfigurationError;
    expect(problems).toEqual([
      'PORT must be a whole number from 1 to 65535; got "70000"',
      'MODE must be one of kafka, embedded; got "zookeeper"',
      'DATABASE_URL must be a URL starting with postgres://; got "mysql://x"',
      'API_KEY must be text matching /^[a-z]{8,}$/; got a value that is not shown',
      'BROKERS must be a comma-separated list of /^[^:]+:\\d+$/; got "a:1,b"',
    ]);
    expect(message).toMatch(/^Invalid configuration for service inventory:/);
    expect(message).not.toContain('Sup3r-Secret');
  });

  it('names a required variable that is missing', () => {
    expect(() => loadConfig('test', schema, { API_KEY: 'abcdefgh' })).toThrow(/DATABASE_URL is required \(a URL starting with postgres:\/\/\)/);
  });

  it('describes the configuration for logs with secrets and URL passwords hidden', () => {
    const config = loadConfig('test', schema, { DATABASE_URL: 'postgres://u:pw@db:5432/x', API_KEY: 'abcdefgh' });
    expect(describeConfig(schema, config)).toEqual({
      PORT: 8080,
      MODE: 'kafka',
      DATABASE_URL: 'postgres://u:***@db:5432/x',
      API_KEY: '***',
      BROKERS: undefined,
      VERBOSE: false,
    });
  });
});
