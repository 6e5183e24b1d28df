import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dereference, loadOpenApiDocument, routesOf } from '../../../src/api/index.js';

const document = loadOpenApiDocument();

test('every operation of the OpenAPI document becomes a route with its access level', () => {
  const routes = routesOf(document).map((route) => `${route.access} ${route.method} ${route.url}`);
  assert.deepEqual(routes.sort(), [
    'open GET /api/v1alpha1/openapi.json',
    'open GET /api/v1alpha1/vms/health',
    'open GET /health',
    'open GET /healthz',
    'open GET /readyz',
    'read GET /api/v1alpha1/endpoints',
    'read GET /api/v1alpha1/endpoints/:endpoint_id',
    'read GET /api/v1alpha1/endpoints/:endpoint_id/status',
    'read GET /api/v1alpha1/vms',
    'read GET /api/v1alpha1/vms/:vm_id',
    'read GET /metrics',
    'write DELETE /api/v1alpha1/endpoints/:endpoint_id',
    'write PATCH /api/v1alpha1/endpoints/:endpoint_id',
    'write POST /api/v1alpha1/endpoints',
    'write POST /api/v1alpha1/endpoints/:endpoint_id/release-held-deletions',
  ]);
});

test('route schemas come from the components, fully dereferenced, and reject unknown query parameters', () => {
  const create = routesOf(document).find((route) => route.operationId === 'createEndpoint');
  assert.ok(create);
  assert.deepEqual(create.bodyTypes, ['application/json']);
  assert.ok(!JSON.stringify(create.schema).includes('$ref'));
  assert.deepEqual(create.schema.querystring?.['additionalProperties'], false);
  const body = create.schema.body as { required: string[]; properties: Record<string, { additionalProperties?: unknown }> };
  assert.deepEqual(body.required, ['platform']);
  assert.equal(body.properties['selector']?.additionalProperties, false);
  const update = routesOf(document).find((route) => route.operationId === 'updateEndpoint');
  assert.deepEqual(update?.bodyTypes, ['application/merge-patch+json', 'application/json']);
  assert.deepEqual(update?.schema.params?.['required'], ['endpoint_id']);
});

test('every $ref in the document resolves', () => {
  assert.doesNotThrow(() => dereference(document, document.paths));
  assert.doesNotThrow(() => dereference(document, document.components));
});
