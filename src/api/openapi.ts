import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { BridgeError, ErrorCode } from '../errors/index.js';
import type { Access } from './auth.js';

/** The parts of an OpenAPI 3.0 document the server reads. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly components: { readonly schemas: Readonly<Record<string, JsonSchema>>; readonly [section: string]: unknown };
  readonly [key: string]: unknown;
}

type JsonSchema = Readonly<Record<string, unknown>>;

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: JsonSchema;
}

interface Operation {
  readonly operationId: string;
  readonly parameters?: ReadonlyArray<Parameter | Reference>;
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema: JsonSchema }>> };
  readonly security?: readonly unknown[];
}

interface Reference {
  readonly $ref: string;
}

type PathItem = Readonly<Record<string, Operation | ReadonlyArray<Parameter | Reference> | undefined>> & { readonly parameters?: ReadonlyArray<Parameter | Reference> };

/** One route as the server registers it, derived from one operation of the document. */
export interface RouteDefinition {
  readonly operationId: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  /** Fastify form: `/api/v1alpha1/endpoints/:endpoint_id`. */
  readonly url: string;
  readonly access: Access;
  /** Fastify route schema: params, querystring and body as JSON Schema. */
  readonly schema: { readonly params?: JsonSchema; readonly querystring?: JsonSchema; readonly body?: JsonSchema };
  /** Media types the body may have; the first is the default. */
  readonly bodyTypes: readonly string[];
}

const methods = ['get', 'post', 'patch', 'delete', 'put'] as const;

/** Finds `api/openapi.yaml` in the nearest ancestor directory of this module (dist/ and the source tree alike). */
export function findOpenApiFile(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let directory = from; ; directory = dirname(directory)) {
    const candidate = join(directory, 'api', 'openapi.yaml');
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) throw new BridgeError(ErrorCode.Internal, `api/openapi.yaml not found above ${from}`);
  }
}

/**
 * Root key of the JSON copy of the document (`api/openapi.json`, beside the
 * YAML): the SHA-256 of the YAML text it was made from. Not part of the
 * document; dropped when the copy is read.
 */
export const jsonCopySourceKey = 'x-source-sha256';

/**
 * Reads the OpenAPI document. The YAML file is the source; its JSON copy,
 * when it was made from exactly this YAML text, is read instead, because
 * parsing the YAML took a tenth of the bridge's start-up CPU (#12) and
 * JSON.parse takes a fraction of a millisecond. A missing, unreadable or
 * stale copy falls back to the YAML, so the answer is always the YAML's.
 */
export function loadOpenApiDocument(path = findOpenApiFile()): OpenApiDocument {
  const text = readFileSync(path, 'utf8');
  return currentJsonCopy(jsonCopyPathOf(path), text) ?? (parse(text) as OpenApiDocument);
}

/** Where the JSON copy of the document at `yamlPath` lives. */
export function jsonCopyPathOf(yamlPath: string): string {
  return yamlPath.replace(/\.ya?ml$/, '') + '.json';
}

/** The JSON copy's text for `yamlText`: the same document, its source's hash first. */
export function openApiJsonCopy(yamlText: string): string {
  return JSON.stringify({ [jsonCopySourceKey]: sha256Of(yamlText), ...(parse(yamlText) as OpenApiDocument) }, null, 2) + '\n';
}

/** Writes the JSON copy beside the YAML document at `yamlPath` (after an edit of the YAML). */
export function writeOpenApiJsonCopy(yamlPath = findOpenApiFile()): string {
  const target = jsonCopyPathOf(yamlPath);
  writeFileSync(target, openApiJsonCopy(readFileSync(yamlPath, 'utf8')));
  return target;
}

function currentJsonCopy(jsonPath: string, yamlText: string): OpenApiDocument | undefined {
  let copy: unknown;
  try {
    copy = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch {
    return undefined;
  }
  if (copy === null || typeof copy !== 'object' || (copy as Record<string, unknown>)[jsonCopySourceKey] !== sha256Of(yamlText)) return undefined;
  const { [jsonCopySourceKey]: _source, ...document } = copy as Record<string, unknown>;
  return document as unknown as OpenApiDocument;
}

function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Replaces every local `$ref` with (a resolved copy of) its target, and drops keywords JSON Schema does not know. */
export function dereference(document: OpenApiDocument, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((item) => dereference(document, item));
  if (node === null || typeof node !== 'object') return node;
  const reference = (node as Partial<Reference>).$ref;
  if (typeof reference === 'string') return dereference(document, resolvePointer(document, reference));
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'example')
      .map(([key, value]) => [key, dereference(document, value)]),
  );
}

function resolvePointer(document: OpenApiDocument, reference: string): unknown {
  if (!reference.startsWith('#/')) throw new BridgeError(ErrorCode.Internal, `only local $refs are supported: ${reference}`);
  let node: unknown = document;
  for (const part of reference.slice(2).split('/')) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new BridgeError(ErrorCode.Internal, `unresolvable $ref ${reference}`);
  }
  return node;
}

function objectOf(parameters: readonly Parameter[]): JsonSchema | undefined {
  if (parameters.length === 0) return undefined;
  return {
    type: 'object',
    properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema ?? { type: 'string' }])),
    required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    additionalProperties: false,
  };
}

/**
 * Every operation of the document as a route: URL, access level (operations
 * with `security: []` are open; other GETs read; everything else writes) and
 * the JSON Schemas of its path parameters, query string and body, so request
 * validation follows the document alone.
 */
export function routesOf(document: OpenApiDocument): RouteDefinition[] {
  const routes: RouteDefinition[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of methods) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      const parameters = dereference(document, [...(item.parameters ?? []), ...(operation.parameters ?? [])]) as Parameter[];
      const content = operation.requestBody?.content ?? {};
      const bodyTypes = Object.keys(content);
      const bodySchema = bodyTypes[0] !== undefined ? (dereference(document, content[bodyTypes[0]]?.schema) as JsonSchema) : undefined;
      const params = objectOf(parameters.filter((parameter) => parameter.in === 'path'));
      const querystring = objectOf(parameters.filter((parameter) => parameter.in === 'query'));
      routes.push({
        operationId: operation.operationId,
        method: method.toUpperCase() as RouteDefinition['method'],
        url: path.replace(/\{([^}]+)\}/g, ':$1'),
        access: operation.security?.length === 0 ? 'open' : method === 'get' ? 'read' : 'write',
        schema: { ...(params ? { params } : {}), ...(querystring ? { querystring } : {}), ...(bodySchema ? { body: bodySchema } : {}) },
        bodyTypes,
      });
    }
  }
  return routes;
}
