import { Controller, Get, Header, Inject } from '@nestjs/common';
import { CHAT_PAGE_HTML } from './chat-page';

/** `GET /`: the web chat page, a working frontend of the contract. */
@Controller()
export class WebController {
  constructor(@Inject(CHAT_PAGE_HTML) private readonly html: string) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return this.html;
  }
}
