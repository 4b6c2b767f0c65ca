import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_SETTINGS } from '@switchyard/service-kit';
import { createTransport, type Transporter } from 'nodemailer';
import type { NotificationSettings } from './notification.settings';
import type { RenderedEmail } from './templates';

/** Sends customer email through the SMTP server of SMTP_URL; every send has explicit timeouts. */
@Injectable()
export class EmailSender implements OnApplicationShutdown {
  private readonly transporter: Transporter;

  constructor(@Inject(SERVICE_SETTINGS) private readonly settings: NotificationSettings) {
    const timeout = settings.SMTP_TIMEOUT_MS;
    // Pooled: one SMTP connection serves many messages instead of a connect, greeting and quit for each. One
    // connection per send slot, so no send waits for a connection behind another (its time stays within the timeouts).
    this.transporter = createTransport({ url: settings.SMTP_URL, pool: true, maxConnections: settings.DELIVERY_CONCURRENCY, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout, disableFileAccess: true, disableUrlAccess: true });
  }

  /** `messageId` is stable per delivery, so a resend after a crash between send and commit is recognisable as the same message. */
  async send(to: string, email: RenderedEmail, messageId: string): Promise<void> {
    await this.transporter.sendMail({ from: this.settings.MAIL_FROM, to, subject: email.subject, text: email.text, html: email.html, messageId, headers: { 'Content-Language': email.language } });
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}

/** An error text safe for logs and the delivery log: any email address in it is masked. */
export const withoutAddresses = (message: string): string => message.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '<address>').slice(0, 1000);
