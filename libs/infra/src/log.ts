/** Progress lines for people watching infrastructure start: one line, prefixed, on stderr (stdout stays clean for data). */
export type Log = (message: string) => void;

export const stderrLog: Log = (message) => process.stderr.write(`[infra] ${message}\n`);

export const silentLog: Log = () => undefined;
