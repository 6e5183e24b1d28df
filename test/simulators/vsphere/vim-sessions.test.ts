import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVsphereSimulator, DEFAULT_CREDENTIALS } from './index.js';
import { loginApi, useSimulator } from './support.js';
import { envelope, faultOf, login, soapCall } from './vim/soap-client.js';

let now = Date.parse('2025-01-01T00:00:00Z');
const simulator = createVsphereSimulator({ now: () => now, sessionIdleSeconds: 1800 });
const vcenter = useSimulator(simulator);

const serviceContent = envelope('RetrieveServiceContent', 'ServiceInstance', 'ServiceInstance');
const currentSession = (): string =>
  envelope(
    'RetrievePropertiesEx',
    'PropertyCollector',
    'propertyCollector',
    '<specSet><propSet><type>SessionManager</type><pathSet>currentSession</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj></objectSet></specSet><options></options>',
  );

describe('vim25 sessions (POST /sdk)', () => {
  it('answers RetrieveServiceContent without a session, naming the managers and the release', async () => {
    const answer = await soapCall(vcenter.url, serviceContent);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/xml/);
    const content = (answer.body.RetrieveServiceContentResponse as { returnval: Record<string, { '#text': string; '@_type': string } & Record<string, string>>[] }).returnval[0];
    assert.ok(content);
    assert.deepEqual([content.rootFolder?.['@_type'], content.rootFolder?.['#text']], ['Folder', 'group-d1']);
    assert.equal(content.propertyCollector?.['#text'], 'propertyCollector');
    assert.equal(content.viewManager?.['#text'], 'ViewManager');
    assert.equal(content.sessionManager?.['#text'], 'SessionManager');
    assert.equal(content.customFieldsManager?.['#text'], 'CustomFieldsManager');
    assert.equal(content.about?.apiVersion, '8.0.3.0');
    assert.equal(content.about?.apiType, 'VirtualCenter');
  });

  it('logs in with the simulator credentials: a UserSession and the vmware_soap_session cookie', async () => {
    const answer = await soapCall(
      vcenter.url,
      envelope('Login', 'SessionManager', 'SessionManager', `<userName>${DEFAULT_CREDENTIALS.username}</userName><password>${DEFAULT_CREDENTIALS.password}</password>`),
    );
    assert.equal(answer.status, 200);
    const setCookie = answer.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^vmware_soap_session="[0-9a-f]+"; Path=\/; HttpOnly$/);
    const session = (answer.body.LoginResponse as { returnval: { userName: string; key: string }[] }).returnval[0];
    assert.equal(session?.userName, DEFAULT_CREDENTIALS.username);
    assert.ok(session !== undefined && !setCookie.includes(session.key), 'the session key is not the cookie');
    assert.equal(simulator.sessionCounters().logins, 1);

    const cookie = /"([^"]+)"/.exec(setCookie)?.[1] ?? '';
    // Clients send the cookie back quoted (as received) or bare; both are the session.
    for (const sent of [cookie, `"${cookie}"`]) {
      const check = await soapCall(vcenter.url, currentSession(), sent);
      assert.equal(check.status, 200, check.text);
      assert.match(check.text, new RegExp(`<userName>${DEFAULT_CREDENTIALS.username}</userName>`));
    }
  });

  it('refuses a wrong password with InvalidLogin, shaped as vCenter sends it', async () => {
    const answer = await soapCall(vcenter.url, envelope('Login', 'SessionManager', 'SessionManager', `<userName>${DEFAULT_CREDENTIALS.username}</userName><password>wrong</password>`));
    assert.equal(answer.status, 500);
    assert.equal(answer.headers.get('set-cookie'), null);
    const fault = faultOf(answer);
    assert.deepEqual({ code: fault?.faultcode, type: fault?.type, message: fault?.faultstring }, {
      code: 'ServerFaultCode',
      type: 'InvalidLogin',
      message: 'Cannot complete login due to an incorrect user name or password.',
    });
    assert.match(answer.text, /<detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"><\/InvalidLoginFault><\/detail>/);
    assert.equal(simulator.sessionCounters().failedLogins, 1);
  });

  it('answers NotAuthenticated (HTTP 500, detail naming the object and System.View) without a session', async () => {
    for (const cookie of [undefined, 'not-a-session']) {
      const answer = await soapCall(vcenter.url, currentSession(), cookie);
      assert.equal(answer.status, 500);
      const fault = faultOf(answer);
      assert.equal(fault?.type, 'NotAuthenticated');
      assert.equal(fault?.faultstring, 'The session is not authenticated.');
      assert.deepEqual(fault?.detail.object, { '#text': 'propertyCollector', '@_type': 'PropertyCollector' });
      assert.equal(fault?.detail.privilegeId, 'System.View');
    }
  });

  it('does not take a REST session token for a SOAP session', async () => {
    const restToken = await loginApi(vcenter.url, DEFAULT_CREDENTIALS);
    assert.equal(faultOf(await soapCall(vcenter.url, currentSession(), restToken))?.type, 'NotAuthenticated');
  });

  it('ends a session idle for sessionIdleSeconds, on the injected clock', async () => {
    const cookie = await login(vcenter.url, DEFAULT_CREDENTIALS);
    now += 1799_000;
    assert.equal((await soapCall(vcenter.url, currentSession(), cookie)).status, 200, 'a call refreshes the idle timer');
    now += 1799_000;
    assert.equal((await soapCall(vcenter.url, currentSession(), cookie)).status, 200);
    now += 1800_000;
    assert.equal(faultOf(await soapCall(vcenter.url, currentSession(), cookie))?.type, 'NotAuthenticated');
    assert.equal(simulator.sessionCounters().expired, 1);
  });

  it('ends SOAP sessions with POST /_sim/sessions/expire-all, like REST ones', async () => {
    const cookie = await login(vcenter.url, DEFAULT_CREDENTIALS);
    const expired = await fetch(`${vcenter.url}/_sim/sessions/expire-all`, { method: 'POST' });
    assert.deepEqual(await expired.json(), { expired: 1 });
    assert.equal(faultOf(await soapCall(vcenter.url, currentSession(), cookie))?.type, 'NotAuthenticated');
  });

  it('logs out: the cookie stops working and a second Logout is NotAuthenticated', async () => {
    const cookie = await login(vcenter.url, DEFAULT_CREDENTIALS);
    const logout = await soapCall(vcenter.url, envelope('Logout', 'SessionManager', 'SessionManager'), cookie);
    assert.equal(logout.status, 200);
    assert.match(logout.text, /<LogoutResponse xmlns="urn:vim25"><\/LogoutResponse>/);
    assert.equal(faultOf(await soapCall(vcenter.url, currentSession(), cookie))?.type, 'NotAuthenticated');
    assert.equal(faultOf(await soapCall(vcenter.url, envelope('Logout', 'SessionManager', 'SessionManager'), cookie))?.type, 'NotAuthenticated');
    assert.equal(simulator.sessionCounters().logouts, 1);
  });

  it('answers MethodNotFound for a method the object does not have, and a plain fault for a body that is not SOAP', async () => {
    const cookie = await login(vcenter.url, DEFAULT_CREDENTIALS);
    const wrongObject = faultOf(await soapCall(vcenter.url, envelope('Login', 'PropertyCollector', 'propertyCollector'), cookie));
    assert.equal(wrongObject?.type, 'MethodNotFound');
    assert.equal(wrongObject?.detail.method, 'Login');
    const garbage = await soapCall(vcenter.url, '<not-soap', cookie);
    assert.equal(garbage.status, 500);
    assert.match(garbage.text, /<faultcode>ServerFaultCode<\/faultcode><faultstring>the request is not well-formed XML/);
  });
});
