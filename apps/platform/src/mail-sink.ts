import { createWriteStream, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SMTPServer } from 'smtp-server';

export interface MailSink {
  /** `smtp://` URL for the notification service's SMTP_URL. */
  readonly url: string;
  readonly folder: string;
  /** Messages received since start. */
  received(): number;
  close(): Promise<void>;
}

/**
 * The demo's mail server: a real SMTP server on a loopback port that keeps every message it is given as an
 * `.eml` file in `folder`, so customer emails can be opened and read instead of going out.
 */
export async function startMailSink(folder: string, maxMessageBytes = 1_000_000): Promise<MailSink> {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 per connection can take seconds where there is no resolver.
    disableReverseLookup: true,
    size: maxMessageBytes,
    onData(stream, session, callback) {
      const file = path.join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${session.id}.eml`);
      pipeline(stream, createWriteStream(file, { mode: 0o600 })).then(
        () => {
          count += 1;
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    folder,
    received: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
