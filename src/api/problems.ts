import type { ErrorObject } from 'ajv';
import { BridgeError, ErrorCode } from '../errors/index.js';
import { validationFailure } from './validation.js';

/** The fastify errors the API meets, by their stable codes. */
const fastifyErrors: Readonly<Record<string, () => BridgeError>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new BridgeError(ErrorCode.PayloadTooLarge, 'the request body is larger than api.maxBodyBytes allows'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new BridgeError(ErrorCode.UnsupportedMediaType, 'unsupported media type; send application/json (or application/merge-patch+json to PATCH)'),
  // The parser's own message quotes the body, which may hold credentials.
  FST_ERR_CTP_INVALID_JSON_BODY: () => new BridgeError(ErrorCode.InvalidArgument, 'the request body is not valid JSON'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new BridgeError(ErrorCode.InvalidArgument, 'the request body is empty; send a JSON object'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new BridgeError(ErrorCode.InvalidArgument, 'Content-Length does not match the body'),
  // Routing failures (fastify's frameworkErrors); fastify's own messages quote the path.
  FST_ERR_BAD_URL: () => new BridgeError(ErrorCode.InvalidArgument, 'the request path is not valid percent-encoded UTF-8'),
  FST_ERR_MAX_PARAM_LENGTH: () => new BridgeError(ErrorCode.InvalidArgument, 'a path segment is too long (ids are at most 63 characters)'),
};

/**
 * Translates whatever a request handler or fastify threw into a
 * {@link BridgeError}, the only thing `toProblem` turns into a problem
 * document. Anything else is `INTERNAL` with a fixed message and the
 * original as `cause` (for the log), so its text never reaches the client.
 */
export function requestError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  const candidate = error as { code?: string; statusCode?: number; validation?: ErrorObject[]; validationContext?: string } | null;
  if (candidate?.validation) return validationFailure(candidate.validationContext ?? 'request', candidate.validation);
  const known = candidate?.code ? fastifyErrors[candidate.code] : undefined;
  if (known) return known();
  // JSON bodies with __proto__ / constructor.prototype are refused by fastify's parser (a SyntaxError with status 400).
  if (candidate?.statusCode === 400) return new BridgeError(ErrorCode.InvalidArgument, 'the request body is not acceptable JSON');
  return new BridgeError(ErrorCode.Internal, 'an unexpected error occurred', {}, { cause: error });
}
