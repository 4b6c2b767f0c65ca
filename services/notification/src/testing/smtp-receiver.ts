import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { Hold } from './hold';

/** A message as the receiving mail server parsed it. */
export interface ReceivedMail {
  readonly to: string;
  readonly messageId: string | undefined;
  readonly subject: string | undefined;
  readonly text: string | undefined;
  readonly html: string | false;
  readonly language: string | undefined;
}

/**
 * A real SMTP server on a free loopback port that parses what it receives. Recipients in `refuse` are answered
 * 451 (try again later), as a mail server that is down for them would; for a recipient given to `holdNext`, the
 * reply to the next message's DATA is kept back until the test releases it (a slow mail server).
 */
export class SmtpReceiver {
  readonly received: ReceivedMail[] = [];
  readonly refuse = new Set<string>();
  private readonly holds = new Map<string, Hold>();
  private readonly server: SMTPServer;

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address)) {
          callback(Object.assign(new Error(`mailbox ${address.address} temporarily unavailable`), { responseCode: 451 }));
        } else {
          callback();
        }
      },
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then(async (mail) => {
            const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
            for (const { address } of session.envelope.rcptTo) {
              const hold = this.holds.get(address);
              this.holds.delete(address);
              await hold?.keep();
            }
            const language = mail.headers.get('content-language');
            this.received.push({ to, messageId: mail.messageId, subject: mail.subject, text: mail.text, html: mail.html ?? false, language: typeof language === 'string' ? language : undefined });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
  }

  static async start(): Promise<SmtpReceiver> {
    const receiver = new SmtpReceiver();
    await new Promise<void>((resolve, reject) => {
      receiver.server.once('error', reject);
      receiver.server.listen(0, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  get url(): string {
    const { port } = (this.server as unknown as { server: { address(): AddressInfo } }).server.address();
    return `smtp://127.0.0.1:${port}`;
  }

  /** The reply to the next message's DATA for `address` waits until the returned hold is released. */
  holdNext(address: string): Hold {
    const hold = new Hold();
    this.holds.set(address, hold);
    return hold;
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to === address);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
