/**
 * Configuration from environment variables, validated at start: every problem is reported at once, by
 * variable name, with what was expected; secrets are never echoed back.
 */

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid configuration for ${subject}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// Methods, not function properties: a Setting<string> must fit where a Setting<unknown> is expected.
export interface Setting<T> {
  parse(raw: string | undefined, name: string): { value: T } | { problem: string };
  readonly doc: string;
  readonly secret: boolean;
  /** How the value appears in logs: secrets masked, passwords in URLs hidden. */
  show(value: T): unknown;
}

export type SettingsSchema = Readonly<Record<string, Setting<unknown>>>;
export type ConfigOf<S extends SettingsSchema> = { readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

interface Common<T> {
  readonly default?: T;
  readonly doc?: string;
}

function setting<T>(
  options: Common<T> & { secret?: boolean },
  expected: string,
  convert: (raw: string) => T | undefined,
  show: (value: T) => unknown = (value) => value,
): Setting<T> {
  return {
    doc: options.doc ?? expected,
    secret: options.secret ?? false,
    show: options.secret ? () => '***' : show,
    parse: (raw, name) => {
      if (raw === undefined || raw.trim() === '') {
        return options.default !== undefined ? { value: options.default } : { problem: `${name} is required (${expected})` };
      }
      const value = convert(raw.trim());
      if (value !== undefined) return { value };
      const shown = options.secret ? 'a value that is not shown' : `"${raw}"`;
      return { problem: `${name} must be ${expected}; got ${shown}` };
    },
  };
}

export const settings = {
  string: (options: Common<string> & { secret?: boolean; pattern?: RegExp } = {}): Setting<string> =>
    setting(options, options.pattern ? `text matching ${options.pattern}` : 'text', (raw) => (!options.pattern || options.pattern.test(raw) ? raw : undefined)),

  int: (options: Common<number> & { min?: number; max?: number } = {}): Setting<number> => {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    const range = options.min !== undefined || options.max !== undefined ? ` from ${min} to ${max}` : '';
    return setting(options, `a whole number${range}`, (raw) => {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    });
  },

  bool: (options: Common<boolean> = {}): Setting<boolean> =>
    setting(options, 'true or false', (raw) => (/^(true|1|yes)$/i.test(raw) ? true : /^(false|0|no)$/i.test(raw) ? false : undefined)),

  oneOf: <T extends string>(values: readonly T[], options: Common<T> = {}): Setting<T> =>
    setting(options, `one of ${values.join(', ')}`, (raw) => values.find((v) => v === raw)),

  url: (options: Common<string> & { secret?: boolean; protocols: readonly string[] }): Setting<string> =>
    setting(
      options,
      `a URL starting with ${options.protocols.map((p) => `${p}//`).join(' or ')}`,
      (raw) => {
        try {
          return options.protocols.includes(new URL(raw).protocol) ? raw : undefined;
        } catch {
          return undefined;
        }
      },
      withoutPassword,
    ),

  list: (options: Common<string[]> & { item?: RegExp } = {}): Setting<string[]> =>
    setting(options, options.item ? `a comma-separated list of ${options.item}` : 'a comma-separated list', (raw) => {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      return items.length > 0 && items.every((i) => !options.item || options.item.test(i)) ? items : undefined;
    }),

  optional: <T>(inner: Setting<T>): Setting<T | undefined> => ({
    doc: inner.doc,
    secret: inner.secret,
    show: (value) => (value === undefined ? undefined : inner.show(value)),
    parse: (raw, name) => (raw === undefined || raw.trim() === '' ? { value: undefined } : inner.parse(raw, name)),
  }),
};

/** Reads and validates every setting of `schema` from `source`; throws one ConfigurationError naming all problems. */
export function loadConfig<S extends SettingsSchema>(subject: string, schema: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const result = spec.parse(source[name], name);
    if ('problem' in result) problems.push(result.problem);
    else config[name] = result.value;
  }
  if (problems.length > 0) throw new ConfigurationError(subject, problems);
  return config as ConfigOf<S>;
}

/** The settings as they may appear in a log line: secrets masked, URL passwords hidden. */
export function describeConfig<S extends SettingsSchema>(schema: S, config: ConfigOf<S>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([name, value]) => [name, value === undefined ? undefined : schema[name]?.show(value)]));
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
