import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHAT_PAGE_HTML = Symbol('CHAT_PAGE_HTML');

/**
 * The page ships as an asset beside the bundle (`assets/chat.html`); from sources (tests) it is
 * read from the app's `src/assets`.
 */
export function loadChatPage(): string {
  const candidates = [
    join(__dirname, 'assets', 'chat.html'),
    join(__dirname, '..', '..', 'assets', 'chat.html'),
  ];
  for (const candidate of candidates) {
    try {
      return readFileSync(candidate, 'utf8');
    } catch {
      // try the next place
    }
  }
  throw new Error(`chat page not found; looked in ${candidates.join(', ')}`);
}
