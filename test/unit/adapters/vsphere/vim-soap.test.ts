import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCustomFieldDefs, decodeCustomValues, decodeRetrieveResult, decodeServiceContent, requiredProperty } from '../../../../adapters/vsphere/vim/decode.js';
import { cancelRetrievePropertiesEx, continueRetrievePropertiesEx, createVmContainerView, login, retrievePropertiesEx, retrieveServiceContent } from '../../../../adapters/vsphere/vim/envelopes.js';
import { describeSoapFault, sessionCookieOf } from '../../../../adapters/vsphere/vim/session.js';
import { parseSoapEnvelope, soapFaultOf, VimShapeError, type XmlNode } from '../../../../adapters/vsphere/vim/xml.js';

/*
 * Answers shaped as vCenter sends them: the vim25 WSDL/XSD element names of the
 * vSphere Web Services API reference (ServiceContent, RetrieveResult,
 * ObjectContent, DynamicProperty, CustomFieldDef, CustomFieldStringValue), the
 * `xsi:type` spelling and the fault layout of recorded vCenter answers (govmomi's
 * vim25/mo/fixtures/*.xml, e.g. not_authenticated_fault.xml).
 */
const envelope = (body: string): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n<soapenv:Body>\n${body}\n</soapenv:Body>\n</soapenv:Envelope>`,
  );

const serviceContentAnswer = envelope(`<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>
<rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>
<viewManager type="ViewManager">ViewManager</viewManager>
<about><name>VMware vCenter Server</name><fullName>VMware vCenter Server 8.0.2 build-22617221</fullName><vendor>VMware, Inc.</vendor><version>8.0.2</version><build>22617221</build><apiType>VirtualCenter</apiType><apiVersion>8.0.2.0</apiVersion></about>
<setting type="OptionManager">VpxSettings</setting><userDirectory type="UserDirectory">UserDirectory</userDirectory>
<sessionManager type="SessionManager">SessionManager</sessionManager>
<customFieldsManager type="CustomFieldsManager">CustomFieldsManager</customFieldsManager>
</returnval></RetrieveServiceContentResponse>`);

const vmPage = envelope(`<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><token>0</token>
<objects><obj type="VirtualMachine">vm-42</obj>
<propSet><name>customValue</name><val xsi:type="ArrayOfCustomFieldValue"><CustomFieldValue xsi:type="CustomFieldStringValue"><key>101</key><value>dcm</value></CustomFieldValue><CustomFieldValue xsi:type="CustomFieldStringValue"><key>102</key><value>007</value></CustomFieldValue></val></propSet>
<propSet><name>name</name><val xsi:type="xsd:string">web &amp; db &lt;42&gt;</val></propSet>
<propSet><name>runtime.connectionState</name><val xsi:type="VirtualMachineConnectionState">connected</val></propSet>
<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet></objects>
<objects><obj type="VirtualMachine">vm-43</obj>
<propSet><name>customValue</name><val xsi:type="ArrayOfCustomFieldValue"></val></propSet>
<propSet><name>name</name><val xsi:type="xsd:string">plain</val></propSet>
<missingSet><path>runtime.powerState</path><fault><fault xsi:type="NoPermission"><object type="VirtualMachine">vm-43</object><privilegeId>System.Read</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet></objects>
</returnval></RetrievePropertiesExResponse>`);

const notAuthenticated = envelope(`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="PropertyCollector">propertyCollector</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>`);

function body(bytes: Buffer): { element: string; content: XmlNode } {
  const answer = parseSoapEnvelope(bytes);
  assert.equal(answer.kind, 'body');
  return answer as { element: string; content: XmlNode };
}

test('ServiceContent: the managers by reference, and the API version', () => {
  const { element, content } = body(serviceContentAnswer);
  assert.equal(element, 'RetrieveServiceContentResponse');
  const refs = decodeServiceContent(content);
  assert.deepEqual(refs.rootFolder, { type: 'Folder', value: 'group-d1' });
  assert.deepEqual(refs.propertyCollector, { type: 'PropertyCollector', value: 'propertyCollector' });
  assert.deepEqual(refs.viewManager, { type: 'ViewManager', value: 'ViewManager' });
  assert.deepEqual(refs.sessionManager, { type: 'SessionManager', value: 'SessionManager' });
  assert.deepEqual(refs.customFieldsManager, { type: 'CustomFieldsManager', value: 'CustomFieldsManager' });
  assert.equal(refs.apiVersion, '8.0.2.0');
  const { content: withoutViews } = body(envelope('<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder></returnval></RetrieveServiceContentResponse>'));
  assert.throws(() => decodeServiceContent(withoutViews), /ServiceContent.propertyCollector is missing/);
});

test('RetrieveResult: token, objects, properties as text (entities decoded, 007 stays a string), missing properties with their fault', () => {
  const page = decodeRetrieveResult(body(vmPage).content, 'RetrievePropertiesEx');
  assert.equal(page.token, '0', 'a token of "0" is a token');
  assert.equal(page.objects.length, 2);
  const [first, second] = page.objects;
  assert.deepEqual(first?.obj, { type: 'VirtualMachine', value: 'vm-42' });
  assert.equal(requiredProperty(first!, 'name'), 'web & db <42>');
  assert.equal(requiredProperty(first!, 'runtime.powerState'), 'poweredOn');
  assert.deepEqual([...decodeCustomValues(first!.properties.get('customValue'), 'vm-42')], [['101', 'dcm'], ['102', '007']]);
  assert.deepEqual([...decodeCustomValues(second!.properties.get('customValue'), 'vm-43')], [], 'an empty ArrayOfCustomFieldValue');
  assert.deepEqual(second?.missing, [{ path: 'runtime.powerState', fault: 'NoPermission' }]);
  assert.throws(() => requiredProperty(second!, 'runtime.powerState'), /vm-43 has no runtime.powerState \(vCenter: NoPermission\)/);
});

test('RetrieveResult: one object is still a list; no returnval is an empty answer; an object without obj is refused', () => {
  const one = envelope('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj><propSet><name>name</name><val xsi:type="xsd:string">a</val></propSet></objects></returnval></RetrievePropertiesExResponse>');
  const page = decodeRetrieveResult(body(one).content, 'RetrievePropertiesEx');
  assert.equal(page.objects.length, 1);
  assert.equal(page.token, undefined);
  assert.deepEqual(decodeRetrieveResult(body(envelope('<RetrievePropertiesExResponse xmlns="urn:vim25"/>')).content, 'x'), { objects: [], token: undefined });
  const broken = envelope('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><propSet><name>name</name></propSet></objects></returnval></RetrievePropertiesExResponse>');
  assert.throws(() => decodeRetrieveResult(body(broken).content, 'RetrievePropertiesEx'), (error: unknown) => error instanceof VimShapeError && /objects\[0\]\.obj is missing/.test(error.message));
});

test('CustomFieldsManager.field: keys by name, the type they apply to, integers only', () => {
  const answer = envelope(`<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="CustomFieldsManager">CustomFieldsManager</obj><propSet><name>field</name><val xsi:type="ArrayOfCustomFieldDef">
<CustomFieldDef><key>101</key><name>managed-by</name><type>string</type><managedObjectType>VirtualMachine</managedObjectType><fieldDefPrivileges><createPrivilege>Global.ManageCustomFields</createPrivilege></fieldDefPrivileges></CustomFieldDef>
<CustomFieldDef><key>102</key><name>dcm-instance-id</name><type>string</type></CustomFieldDef>
</val></propSet></objects></returnval></RetrievePropertiesExResponse>`);
  const [manager] = decodeRetrieveResult(body(answer).content, 'x').objects;
  assert.deepEqual(decodeCustomFieldDefs(manager?.properties.get('field')), [
    { key: '101', name: 'managed-by', managedObjectType: 'VirtualMachine' },
    { key: '102', name: 'dcm-instance-id', managedObjectType: undefined },
  ]);
  assert.deepEqual(decodeCustomFieldDefs(undefined), [], 'no field defined: the property is unset');
  assert.throws(() => decodeCustomFieldDefs({ CustomFieldDef: [{ key: 'abc', name: 'x' }] }), /key is not an integer/);
});

test('faults: the vim fault type from xsi:type, the faultstring; described for error messages', () => {
  const answer = parseSoapEnvelope(notAuthenticated);
  assert.equal(answer.kind, 'fault');
  assert.equal(answer.kind === 'fault' && answer.fault.type, 'NotAuthenticated');
  assert.equal(answer.kind === 'fault' && answer.fault.message, 'The session is not authenticated.');
  assert.deepEqual(describeSoapFault(notAuthenticated), { code: 'NotAuthenticated', message: 'The session is not authenticated.' });
  const moNotFound = envelope('<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The object \'vim.VirtualMachine:vm-9\' has already been deleted or has not been completely created</faultstring><detail><ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-9</obj></ManagedObjectNotFoundFault></detail></soapenv:Fault>');
  assert.equal(soapFaultOf(moNotFound)?.type, 'ManagedObjectNotFound');
  const noDetail = envelope('<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>oops</faultstring></soapenv:Fault>');
  assert.equal(soapFaultOf(noDetail)?.type, 'Server', 'without a detail the faultcode names it');
  assert.equal(soapFaultOf(Buffer.from('<html>bad gateway</html>')), undefined, 'an HTML error page is not a fault');
});

test('not the documented answer: each refused with a message naming the problem, never the content', () => {
  const cases: [Buffer, RegExp][] = [
    [Buffer.alloc(0), /empty/],
    [Buffer.from('{"value": "secret-token"}'), /not well-formed XML/],
    [Buffer.from('<html><body>Service unavailable'), /not well-formed XML .*ending mid-document/],
    [vmPage.subarray(0, Math.floor(vmPage.length / 2)), /not well-formed XML .*ending mid-document/],
    [Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'), /document type declaration/],
    [Buffer.from('<html><body>maintenance</body></html>'), /not a SOAP envelope/],
    [envelope(''), /Body is empty/],
  ];
  for (const [bytes, problem] of cases) {
    assert.throws(() => parseSoapEnvelope(bytes), (error: unknown) => error instanceof VimShapeError && problem.test(error.message) && !error.message.includes('secret-token'), problem.source);
  }
});

test('requests: well-formed envelopes in the WSDL element order, every value escaped', () => {
  const parsed = (xml: string) => {
    const answer = parseSoapEnvelope(Buffer.from(xml));
    assert.equal(answer.kind, 'body');
    return answer as { element: string; content: XmlNode };
  };
  assert.equal(parsed(retrieveServiceContent().envelope).element, 'RetrieveServiceContent');
  const loginRequest = login({ type: 'SessionManager', value: 'SessionManager' }, 'svc@vsphere.local', 'p<&>"\'w');
  assert.equal(loginRequest.operation, 'Login');
  assert.match(loginRequest.envelope, /<userName>svc@vsphere.local<\/userName><password>p&lt;&amp;&gt;&quot;&apos;w<\/password>/);
  assert.equal(parsed(loginRequest.envelope).content['password'], 'p<&>"\'w', 'the password survives the round trip');

  const view = createVmContainerView({ type: 'ViewManager', value: 'ViewManager' }, { type: 'Folder', value: 'group-d1' });
  assert.match(view.envelope, /<_this type="ViewManager">ViewManager<\/_this><container type="Folder">group-d1<\/container><type>VirtualMachine<\/type><recursive>true<\/recursive>/);

  const pc = { type: 'PropertyCollector', value: 'propertyCollector' };
  const paged = retrievePropertiesEx(pc, { kind: 'view', view: { type: 'ContainerView', value: 'session[52]view-1' }, type: 'VirtualMachine', paths: ['name', 'runtime.powerState'] }, 500);
  assert.match(
    paged.envelope,
    /<specSet><propSet><type>VirtualMachine<\/type><pathSet>name<\/pathSet><pathSet>runtime.powerState<\/pathSet><\/propSet><objectSet><obj type="ContainerView">session\[52\]view-1<\/obj><skip>true<\/skip><selectSet xsi:type="TraversalSpec"><name>traverseView<\/name><type>ContainerView<\/type><path>view<\/path><skip>false<\/skip><\/selectSet><\/objectSet><\/specSet><options><maxObjects>500<\/maxObjects><\/options>/,
  );
  parsed(paged.envelope);
  const direct = retrievePropertiesEx(pc, { kind: 'objects', objects: [{ type: 'VirtualMachine', value: 'vm-1' }, { type: 'VirtualMachine', value: 'vm-2' }], type: 'VirtualMachine', paths: ['customValue'], reportMissingObjects: true }, 2);
  assert.match(direct.envelope, /<objectSet><obj type="VirtualMachine">vm-1<\/obj><skip>false<\/skip><\/objectSet><objectSet><obj type="VirtualMachine">vm-2<\/obj><skip>false<\/skip><\/objectSet><reportMissingObjectsInResults>true<\/reportMissingObjectsInResults><\/specSet>/);
  assert.match(continueRetrievePropertiesEx(pc, 'tok&1').envelope, /<ContinueRetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector<\/_this><token>tok&amp;1<\/token>/);
  assert.equal(cancelRetrievePropertiesEx(pc, 't').operation, 'CancelRetrievePropertiesEx');
});

test('the session cookie: taken from Set-Cookie as vCenter quotes it', () => {
  assert.equal(sessionCookieOf(['vmware_soap_session="52b9e1f0-aaaa"; Path=/; HttpOnly; Secure;']), '"52b9e1f0-aaaa"');
  assert.equal(sessionCookieOf('other=1; Path=/'), undefined);
  assert.equal(sessionCookieOf(['a=b', 'vmware_soap_session=abc; Path=/']), 'abc');
  assert.equal(sessionCookieOf(undefined), undefined);
});
