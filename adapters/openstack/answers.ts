import type { PlatformResponse } from '../../src/platform-http/index.js';

/** How much of a media type a problem quotes: enough to name it, never a hostile header whole. */
const quotedMediaTypeChars = 60;

/**
 * Why a 2xx Nova answer is not JSON by its content type, or undefined when it
 * is. Nova answers `application/json`; a proxy's error page or a captive
 * portal answers something else, sometimes with a body that happens to parse.
 */
export function jsonContentTypeProblem(headers: PlatformResponse['headers']): string | undefined {
  const value = headers['content-type'];
  const mediaType = (Array.isArray(value) ? value[0] : value)?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || mediaType === '') return 'came without a content type (Nova answers application/json)';
  if (mediaType !== 'application/json') return `came as ${mediaType.slice(0, quotedMediaTypeChars)}, not application/json`;
  return undefined;
}
