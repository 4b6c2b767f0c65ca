import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

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
 * 451 (try again later), as a mail server that is down for them would.
 */
export class SmtpReceiver {
  readonly received: ReceivedMail[] = [];
  readonly refuse = new Set<string>();
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
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
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

  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to === address);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
