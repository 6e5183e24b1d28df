// The fast DescribeInstances path reads what the SDK reads: the same pages (the API reference's
// sample, the EC2 simulator's answers, the awkward ones) go through the SDK's own deserializer and
// through ours, and every member the adapter reads must come out equal.
import { DescribeInstancesCommand, EC2Client, type DescribeInstancesCommandOutput, type Instance } from '@aws-sdk/client-ec2';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'node:test';
import { addAnswerCheck, checkDescribePage, describeAnswerOf, findingForInstance, nextTokenHintOf, parseDescribeInstancesXml, toRawInstance } from '../../../../adapters/ec2/index.js';
import type { Selector } from '../../../../src/config/index.js';
import { BridgeError, ErrorCode } from '../../../../src/errors/index.js';
import { renderDescribeFault } from '../../../simulators/ec2/describe-faults.js';
import { Ec2Error, ec2ErrorResponse, ec2Headers } from '../../../simulators/ec2/errors.js';
import { createInventory, STATE_REASONS } from '../../../simulators/ec2/index.js';
import { renderDescribeInstances } from '../../../simulators/ec2/representation.js';
import { readEc2Fixture } from '../../../simulators/ec2/support.js';
import { recordedSeed } from '../../../fuzz/settings.js';

const selector: Selector = { managedByKey: 'managed-by', managedByValue: 'dcm', instanceIdKey: 'dcm-instance-id' };
const xmlHeaders = ec2Headers('req-1', Date.UTC(2026, 0, 1));

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A client whose transport answers `answer`; the SDK's signing, deserializer and error parsing run as usual. */
function clientAnswering(answer: Answer, fast: boolean): EC2Client {
  const client = new EC2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-example' },
    maxAttempts: 1,
    requestHandler: { handle: async () => ({ response: { statusCode: answer.status, headers: { ...answer.headers }, body: Buffer.from(answer.body, 'utf8') } }) },
  });
  if (fast) addAnswerCheck(client, { endpoint: 'parity', region: 'us-east-1' });
  return client;
}

/** The output as the SDK reads it, or (fast) the SDK's `$metadata` with the members the bridge's answer reads. */
async function describeWith(answer: Answer, fast: boolean): Promise<DescribeInstancesCommandOutput> {
  const client = clientAnswering(answer, fast);
  try {
    const output = await client.send(new DescribeInstancesCommand({}));
    return fast ? { ...output, ...describeAnswerOf(output).read() } : output;
  } finally {
    client.destroy();
  }
}

/** Every member listing.ts and absence.ts read, in order, with unset members kept as unset. */
function adapterView(output: { Reservations?: readonly { ReservationId?: string; Instances?: readonly Instance[] }[]; NextToken?: string }): unknown {
  return {
    NextToken: output.NextToken,
    Reservations: output.Reservations?.map((reservation) => ({
      ReservationId: reservation.ReservationId,
      Instances: reservation.Instances?.map((instance) => ({
        InstanceId: instance.InstanceId,
        State: instance.State === undefined ? undefined : { Code: instance.State.Code, Name: instance.State.Name },
        StateReason: instance.StateReason === undefined ? undefined : { Code: instance.StateReason.Code, Message: instance.StateReason.Message },
        StateTransitionReason: instance.StateTransitionReason,
        Tags: instance.Tags?.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
      })),
    })),
  };
}

/** What the adapter makes of a page: the listing's instances and the absence verdicts. */
function adapterOutcome(output: DescribeInstancesCommandOutput): unknown {
  try {
    const instances = checkDescribePage(output, { endpoint: 'parity', region: 'us-east-1', which: 'page 1 of the listing' });
    return instances.map((instance) => ({ raw: toRawInstance(instance, selector), finding: findingForInstance(instance, selector) }));
  } catch (error) {
    return error instanceof BridgeError ? { code: error.code, message: error.message } : error;
  }
}

async function assertParity(body: string, what: string): Promise<DescribeInstancesCommandOutput> {
  const answer = { status: 200, headers: xmlHeaders, body };
  const sdk = await describeWith(answer, false);
  const fast = await describeWith(answer, true);
  assert.deepEqual(adapterView(fast), adapterView(sdk), `${what}: the members the adapter reads`);
  assert.deepEqual(adapterView(parseDescribeInstancesXml(body)), adapterView(sdk), `${what}: the parser alone`);
  assert.deepEqual(adapterOutcome(fast), adapterOutcome(sdk), `${what}: what the adapter makes of it`);
  assert.equal(fast.$metadata.httpStatusCode, 200, `${what}: the SDK still adds $metadata`);
  assert.equal(fast.$metadata.requestId, sdk.$metadata.requestId);
  const hint = nextTokenHintOf(Buffer.from(body, 'utf8'));
  assert.ok(hint === undefined || hint === sdk.NextToken, `${what}: the NextToken hint ${hint} is the page's own (${sdk.NextToken})`);
  return fast;
}

function simulatorInventory() {
  const inventory = createInventory({ now: () => Date.UTC(2026, 0, 1), terminatedRetentionSeconds: 3600, ownerId: '123456789012', region: 'us-east-1', seed: 12 });
  inventory.seedDcmInstances({ count: 30, tagged: 25 });
  const reservationId = 'r-0shared00000000001';
  inventory.addInstance({ reservationId, state: 'stopped', stateReason: 'userHibernate', tags: { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-hib', Name: 'R&D <lab> "α" \'β\' ✓ 😀' } });
  inventory.addInstance({ reservationId, state: 'terminated', stateReason: 'spotTermination', tags: { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-spot' } });
  inventory.addInstance({ state: 'pending', stateReason: 'pending', tags: { 'managed-by': 'dcm&co', 'dcm-instance-id': 'inst-&amp;' } });
  inventory.addInstance({ state: 'running', tags: {} });
  inventory.addInstance({ state: 'shutting-down', stateReason: STATE_REASONS.insufficientCapacity, tags: { 'managed-by': 'dcm', 'dcm-instance-id': 'inst-x', empty: '', spaces: '  padded  ', lines: 'one\ntwo' } });
  const records = inventory.list();
  const first = records[0];
  if (first !== undefined) inventory.setState(first.instanceId, 'stopping', { transitionReason: 'User initiated (2026-01-01 00:00:00 GMT) <by> & "ops"' });
  return inventory;
}

const root = (members: string): string => `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>${members}</DescribeInstancesResponse>`;
const instanceXml = (inner: string): string => root(`<reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>${inner}</item></instancesSet></item></reservationSet>`);

describe('fast DescribeInstances parsing, field by field against the SDK', () => {
  it('reads the API reference sample payload as the SDK does', async () => {
    const fast = await assertParity(readEc2Fixture('describe-instances-response.xml'), 'the reference sample');
    assert.equal(fast.Reservations?.[0]?.Instances?.[0]?.InstanceId, 'i-1234567890abcdef0');
    assert.equal(fast.Reservations?.[0]?.Instances?.[0]?.State?.Code, 16);
    // Proof that the fast path, not the SDK, read the page: members the adapter does not use are not read.
    const sdk = await describeWith({ status: 200, headers: xmlHeaders, body: readEc2Fixture('describe-instances-response.xml') }, false);
    assert.equal(sdk.Reservations?.[0]?.Instances?.[0]?.ImageId, 'ami-bff32ccc');
    assert.equal(fast.Reservations?.[0]?.Instances?.[0]?.ImageId, undefined);
  });

  it('reads the EC2 simulator pages (every state, hibernate and Spot reasons, shared reservations, tags with markup characters and emoji) as the SDK does', async () => {
    const records = simulatorInventory().list();
    const fast = await assertParity(renderDescribeInstances('req-1', records, 'token-2', 'us-east-1'), 'a simulator page');
    const tags = fast.Reservations?.flatMap((reservation) => reservation.Instances ?? []).flatMap((instance) => instance.Tags ?? []);
    assert.ok(tags?.some((tag) => tag.Value === 'R&D <lab> "α" \'β\' ✓ 😀'), 'entities decoded, UTF-8 kept');
    assert.equal(fast.NextToken, 'token-2');
    await assertParity(renderDescribeInstances('req-2', records.slice(0, 1), undefined, 'us-east-1'), 'the last page');
  });

  it('keeps the SDK reading of empty and missing members', async () => {
    await assertParity(root('<reservationSet/>'), 'an empty reservationSet');
    await assertParity(root('<reservationSet>\n  </reservationSet><nextToken>t</nextToken>'), 'an empty page with a token');
    await assertParity(root(''), 'no reservationSet');
    await assertParity(root('<reservationSet><item><reservationId>r-1</reservationId></item></reservationSet>'), 'a reservation without instancesSet');
    await assertParity(root('<reservationSet><item><instancesSet/></item></reservationSet>'), 'an empty instancesSet');
    await assertParity(instanceXml('<instanceState><code>16</code><name>running</name></instanceState>'), 'an instance without instanceId');
    await assertParity(instanceXml('<instanceId>i-1</instanceId>'), 'an instance without state or tags');
    await assertParity(instanceXml('<instanceId>i-1</instanceId><instanceState/><stateReason/><reason/><tagSet/>'), 'empty elements');
    await assertParity(instanceXml('<instanceId>i-1</instanceId><instanceState><code></code><name/></instanceState><stateReason><code/></stateReason>'), 'empty values');
    await assertParity(instanceXml('<instanceId>i-1</instanceId><tagSet><item><key>managed-by</key></item><item><value>v</value></item><item><key>k</key><value/></item></tagSet>'), 'tags without a key or value');
  });

  it('decodes entities, keeps CDATA as written and reads whitespace as the SDK does', async () => {
    await assertParity(
      instanceXml(
        '<instanceId>i-1</instanceId><tagSet>' +
          '<item><key>a&amp;b&lt;c&gt;d&quot;e&apos;f</key><value>&#x41;&#66;&#xe9;&#233;&nbsp;&unknown;&amp;amp;&#xZZ; &</value></item>' +
          '<item><key>cdata</key><value><![CDATA[x &amp; <y>]]>-tail</value></item>' +
          '<item><key>indent</key><value>\n    </value></item>' +
          '<item><key>spaces</key><value>   </value></item>' +
          '<item><key>crlf</key><value>a\r\nb\rc</value></item>' +
          '<item><!-- a comment --><key>with<!-- inside -->comment</key><?pi x?><value attr="a>b">v</value></item>' +
          '</tagSet>',
      ),
      'entities, CDATA, whitespace, comments',
    );
    const parsed = parseDescribeInstancesXml(instanceXml('<instanceId>i-1</instanceId><tagSet><item><key>k</key><value>&#x41;&amp;&lt;<![CDATA[&lt;]]></value></item></tagSet>'));
    assert.equal(parsed.Reservations?.[0]?.Instances?.[0]?.Tags?.[0]?.Value, 'A&<&lt;');
  });

  it('skips members it does not read whatever markup they hold, reading the rest as the SDK does', async () => {
    await assertParity(
      instanceXml(
        '<instanceId>i-1</instanceId>' +
          '<placement zone="a>b/" note=\'<x/>\'><!-- </placement> <instanceState> --><![CDATA[</placement><tagSet>]]><?pi </placement>?>' +
          '<groupName>g</groupName><item><item/><item><code>99</code></item></item></placement >' +
          '<monitoring\n><state\t>disabled</state\r\n></monitoring>' +
          '<instanceState><code>16</code><extra><name>stopped</name></extra><name>running</name></instanceState>' +
          '<tagSet><item><key>k</key><value>v</value><skipped><key>not</key></skipped></item></tagSet>',
      ),
      'markup inside skipped members',
    );
    const parsed = parseDescribeInstancesXml(
      instanceXml('<instanceId>i-1</instanceId><placement><![CDATA[</placement><instanceState><code>80</code></instanceState>]]></placement><instanceState><code>16</code></instanceState>'),
    );
    assert.equal(parsed.Reservations?.[0]?.Instances?.[0]?.State?.Code, 16, 'markup inside a skipped CDATA section is not read');
  });

  it('refuses damage inside a member it does not read, naming it', () => {
    const cases: readonly (readonly [string, RegExp])[] = [
      ['<placement><zone>a</placement>', /mismatched tags <zone> and <\/placement>/],
      ['<placement><zone>a</zone></placementX>', /mismatched tags <placement> and <\/placementX>/],
      ['<placement><zone>a</zone>', /mismatched tags <placement> and <\/item>/],
      ['<placement><!-- open', /an unclosed comment/],
      ['<placement><![CDATA[ open', /an unclosed CDATA section/],
      ['<placement><? open', /an unclosed processing instruction/],
      ['<placement><zone a="1>', /an unclosed attribute value/],
      ['<placement><>', /a tag without a name/],
      ['<placement><!ELEMENT x>', /an unknown markup declaration/],
    ];
    for (const [inside, problem] of cases) {
      assert.throws(() => parseDescribeInstancesXml(instanceXml(`<instanceId>i-1</instanceId>${inside}`)), problem, inside);
    }
    assert.throws(() => parseDescribeInstancesXml('<DescribeInstancesResponse><reservationSet><item><groupSet><item><groupId>sg-1</groupId>'), /a missing closing tag <\/item>/, 'a page cut inside a skipped member');
  });

  it('reads the simulator fault that drops an instanceId as the SDK does, and the listing still refuses the page', async () => {
    const page = renderDescribeInstances('req-1', simulatorInventory().list(), undefined, 'us-east-1');
    const damaged = renderDescribeFault('missingInstanceId', page, 'req-1', Date.UTC(2026, 0, 1));
    const fast = await assertParity(String(damaged.body), 'missingInstanceId');
    assert.throws(() => checkDescribePage(fast, { endpoint: 'parity', region: 'us-east-1', which: 'page 1' }), (error: unknown) => error instanceof BridgeError && error.code === ErrorCode.ListIncomplete);
  });

  for (const fault of ['html', 'emptyBody', 'otherAction'] as const) {
    it(`refuses the simulator's ${fault} answer on the fast path with LIST_INCOMPLETE, as before`, async () => {
      const answer = renderDescribeFault(fault, '', 'req-1', Date.UTC(2026, 0, 1));
      await assert.rejects(describeWith({ status: answer.status, headers: answer.headers ?? {}, body: String(answer.body ?? '') }, true), (error: unknown) => error instanceof BridgeError && error.code === ErrorCode.ListIncomplete);
    });
  }

  for (const code of ['RequestLimitExceeded', 'Unavailable', 'AuthFailure'] as const) {
    it(`leaves the ${code} error answer to the SDK's error parsing`, async () => {
      const answer = ec2ErrorResponse(new Ec2Error(code), 'req-1', Date.UTC(2026, 0, 1));
      const asked = { status: answer.status, headers: answer.headers ?? {}, body: String(answer.body ?? '') };
      const sdkError = await describeWith(asked, false).then(() => undefined, (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } });
      const fastError = await describeWith(asked, true).then(() => undefined, (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } });
      assert.equal(sdkError?.name, code);
      assert.equal(fastError?.name, code);
      assert.equal(fastError?.message, sdkError?.message);
      assert.equal(fastError?.$metadata?.httpStatusCode, answer.status);
    });
  }

  it('fails a DescribeInstancesResponse that is not well-formed XML with PLATFORM_PAYLOAD naming the problem, where the SDK failed too', async () => {
    for (const body of [
      root('<reservationSet><item><instancesSet></item></reservationSet>'),
      root('<reservationSet><item><reservationId>r-1</reservationId>'),
      root('<reservationSet><item <instancesSet/></item></reservationSet>'),
    ]) {
      const answer = { status: 200, headers: xmlHeaders, body };
      await assert.rejects(describeWith(answer, false), 'the SDK refuses it too');
      await assert.rejects(describeWith(answer, true), (error: unknown) => error instanceof BridgeError && error.code === ErrorCode.PlatformPayload && /not well-formed XML/.test(error.message));
    }
  });
});

// Generated answers: the members the adapter reads at their places, with elements it does not read
// around and inside them, some named like the ones it reads ('item', 'code', 'name', 'key'), which
// it must skip by where they are, not by their names.
const skippedNames = ['item', 'code', 'name', 'key', 'value', 'instanceId', 'placement', 'groupSet', 'x:ns'];
const text = fc.oneof(
  fc.constantFrom('', 'running', 'i-0abc', 'a&amp;b', '&lt;x&gt;', '&#x41;', 'two\nlines', '\n  ', '<![CDATA[<kept>]]>'),
  fc.stringMatching(/^[a-z0-9 .-]{0,12}$/),
);
/** An element named from `names`: a text value, or `children` inside it (after an attribute holding `>`). */
const elementOf = (names: readonly string[], children: fc.Arbitrary<string[]>): fc.Arbitrary<string> =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...names), text).map(([name, value]) => `<${name}>${value}</${name}>`),
    fc.tuple(fc.constantFrom(...names), children).map(([name, inside]) => `<${name} a="1>2">${inside.join('')}</${name}>`),
  );
const skipped: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constantFrom(...skippedNames).map((name) => `<${name}/>`), elementOf(skippedNames, fc.array(tie('node'), { maxLength: 3 }))),
})).node;
/** Elements the adapter does not read, as siblings of those it reads: none named like a member read here (the SDK would read a repeated one as a list). */
const around = (...readHere: string[]): fc.Arbitrary<string> =>
  fc.array(elementOf(skippedNames.filter((name) => !readHere.includes(name)), fc.array(skipped, { maxLength: 3 })), { maxLength: 2 }).map((nodes) => nodes.join(''));
const leaf = (name: string): fc.Arbitrary<string> => fc.oneof(fc.constant(''), fc.constant(`<${name}/>`), text.map((value) => `<${name}>${value}</${name}>`));
const tagXml = fc.tuple(leaf('key'), leaf('value'), around('key', 'value')).map(([key, value, extra]) => `<item>${extra}${key}${value}</item>`);
const instanceXmlArbitrary = fc
  .tuple(leaf('instanceId'), around('instanceId'), leaf('name'), leaf('code'), around('code', 'name'), leaf('reason'), fc.array(tagXml, { maxLength: 3 }), around('item'), leaf('message'))
  .map(
    ([id, extra, stateName, stateCode, inState, reason, tags, inTags, reasonMessage]) =>
      `<item>${id}${extra}<instanceState>${stateCode}${inState}${stateName}</instanceState><stateReason>${stateCode}${reasonMessage}</stateReason>${reason}<tagSet>${inTags}${tags.join('')}</tagSet></item>`,
  );
const reservationXml = fc.tuple(leaf('reservationId'), around(), fc.array(instanceXmlArbitrary, { maxLength: 3 })).map(([id, extra, instances]) => `<item>${id}${extra}<instancesSet>${instances.join('')}</instancesSet></item>`);
const answerXml = fc.tuple(fc.array(reservationXml, { maxLength: 3 }), around(), leaf('nextToken')).map(([reservations, extra, token]) => root(`${extra}<reservationSet>${reservations.join('')}</reservationSet>${token}`));

describe('the NextToken hint (found at the end of an answer before it is read)', () => {
  const answer = (inside: string): Buffer => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>${inside}</DescribeInstancesResponse>`, 'utf8');
  it('is the root\'s last nextToken when its value is plain text, else undefined', () => {
    assert.equal(nextTokenHintOf(answer('<reservationSet/><nextToken>eyJ2IjoxfQ==</nextToken>')), 'eyJ2IjoxfQ==');
    assert.equal(nextTokenHintOf(answer('<reservationSet><item><tagSet><item><key>nextToken</key><value>&lt;nextToken&gt;X</value></item></tagSet></item></reservationSet><nextToken>B</nextToken>')), 'B', 'markup in values is escaped: only the real element matches');
    for (const inside of ['<reservationSet/>', '<reservationSet/><nextToken/>', '<reservationSet/><nextToken></nextToken>', '<reservationSet/><nextToken>a&amp;b</nextToken>', '<reservationSet/><nextToken><![CDATA[x]]></nextToken>', '<reservationSet/><nextToken>\n  </nextToken>', '<reservationSet/><ec2:nextToken>x</ec2:nextToken>', '<reservationSet/><nextToken>cut']) {
      assert.equal(nextTokenHintOf(answer(inside)), undefined, inside);
    }
  });
});

describe('fast DescribeInstances parsing on generated answers', () => {
  it('reads every generated answer as the SDK does', async () => {
    await fc.assert(
      fc.asyncProperty(answerXml, async (body) => {
        await assertParity(body, 'a generated answer');
      }),
      { numRuns: 150, seed: recordedSeed },
    );
  });

  it('refuses a generated answer with one end tag dropped or renamed', () => {
    const damaged = fc.tuple(answerXml, fc.nat(), fc.boolean()).map(([body, pick, drop]) => {
      const endTags = [...body.matchAll(/<\/([^>]+)>/g)];
      const endTag = endTags[pick % endTags.length];
      if (endTag === undefined) return body;
      const replacement = drop ? '' : `</${endTag[1]}z>`;
      return body.slice(0, endTag.index) + replacement + body.slice(endTag.index + endTag[0].length);
    });
    fc.assert(
      fc.property(damaged, (body) => {
        assert.throws(() => parseDescribeInstancesXml(body), /mismatched tags|missing closing tag|no element open/);
      }),
      { numRuns: 300, seed: recordedSeed },
    );
  });
});
