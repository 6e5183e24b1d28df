import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyResponse } from './http-types.js';
import { createRouteTable, type Route } from './routes.js';

const handle = () => emptyResponse(204);
const routes: Route[] = [
  { method: 'POST', path: '/rest/com/vmware/cis/session', handle },
  { method: 'POST', path: '/rest/com/vmware/cis/session', query: { '~action': 'get' }, handle },
  { method: 'GET', path: '/rest/com/vmware/cis/tagging/tag/id:{tag_id}', handle },
  { method: 'GET', path: '/api/vcenter/vm/{vm}/power', handle },
];
const table = createRouteTable(routes, { discriminatorParams: ['action', '~action'] });
const at = (path: string) => new URL(path, 'http://simulator.invalid');

describe('route table', () => {
  it('names routes by method, template and pinned query', () => {
    assert.deepEqual(table.names, [
      'POST /rest/com/vmware/cis/session',
      'POST /rest/com/vmware/cis/session?~action=get',
      'GET /rest/com/vmware/cis/tagging/tag/id:{tag_id}',
      'GET /api/vcenter/vm/{vm}/power',
    ]);
  });

  it('captures placeholders, including the rest of an id: segment, URL-decoded', () => {
    const match = table.match('GET', at('/rest/com/vmware/cis/tagging/tag/id:urn%3Avmomi%3AInventoryServiceTag%3Aabc%3AGLOBAL'));
    assert.deepEqual(match?.params, { tag_id: 'urn:vmomi:InventoryServiceTag:abc:GLOBAL' });
    assert.deepEqual(table.match('GET', at('/api/vcenter/vm/vm-42/power'))?.params, { vm: 'vm-42' });
  });

  it('selects the operation by its discriminator parameter and refuses unknown actions', () => {
    assert.equal(table.match('POST', at('/rest/com/vmware/cis/session'))?.name, 'POST /rest/com/vmware/cis/session');
    assert.equal(table.match('POST', at('/rest/com/vmware/cis/session?~action=get'))?.name, 'POST /rest/com/vmware/cis/session?~action=get');
    assert.equal(table.match('POST', at('/rest/com/vmware/cis/session?~action=bogus')), undefined);
  });

  it('does not match another method or a longer path', () => {
    assert.equal(table.match('DELETE', at('/api/vcenter/vm/vm-1/power')), undefined);
    assert.equal(table.match('GET', at('/api/vcenter/vm/vm-1/power/extra')), undefined);
  });
});
