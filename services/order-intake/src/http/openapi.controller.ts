import { Controller, Get, Inject } from '@nestjs/common';
import { SERVICE_CONFIG, SERVICE_SETTINGS, ServiceConfig } from '@switchyard/service-kit';
import type { OrderIntakeSettings } from '../order-intake.settings';
import { openApiDocument } from './openapi';

/** The OpenAPI 3 description of this API, for channel developers and their tools; no key needed. */
@Controller()
export class OpenApiController {
  private readonly document: object;

  constructor(@Inject(SERVICE_SETTINGS) settings: OrderIntakeSettings, @Inject(SERVICE_CONFIG) config: ServiceConfig) {
    this.document = openApiDocument({ maxLines: settings.MAX_ORDER_LINES, bodyLimit: config.HTTP_BODY_LIMIT });
  }

  @Get('openapi.json')
  openApi(): object {
    return this.document;
  }
}
