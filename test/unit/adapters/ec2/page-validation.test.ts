import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isBridgeError } from '../../../../src/errors/index.js';
import { answerProblem, createEc2Adapter } from '../../../../adapters/ec2/index.js';
import { connectEc2, fastRetries, startEc2Lab, type Ec2Lab } from '../../../support/ec2-lab.js';
import { listPages } from '../../../support/vsphere-lab.js';

const ok = '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><reservationSet/></DescribeInstancesResponse>';
/** `contentType` null: the header is missing. */
const judge = (body: string, contentType: string | null = 'text/xml;charset=UTF-8'): string | undefined => answerProblem({ operation: 'DescribeInstances', status: 200, contentType: contentType ?? undefined, body: Buffer.from(body) });

describe('EC2 raw answer check (pure)', () => {
  test('the documented answer passes, with either XML media type and trailing whitespace', () => {
    assert.equal(judge(ok), undefined);
    assert.equal(judge(`\uFEFF<!-- proxy comment -->${ok}\n\n`, 'application/xml'), undefined);
  });
  test('everything else is named', () => {
    assert.equal(judge(ok, null), `no content type (EC2 answers text/xml), body ${JSON.stringify(ok.replace(/\s+/g, ' ').slice(0, 60) + '…')}`);
    assert.equal(judge('', null), 'no content type (EC2 answers text/xml) and an empty body');
    assert.equal(judge('{"Reservations": []}', 'application/json'), 'content type application/json, not XML: "{\\"Reservations\\": []}"');
    assert.equal(judge('  \n'), 'an empty body');
    assert.equal(judge('Service Unavailable'), 'a body that is not XML: "Service Unavailable"');
    assert.equal(judge('<?xml version="1.0"?><Response><Errors/></Response>'), 'a <Response> document instead of <DescribeInstancesResponse>');
    assert.equal(judge(ok.slice(0, -30)), 'a <DescribeInstancesResponse> cut short (no closing tag)');
    assert.equal(judge(ok.replace('<requestId>r-1</requestId>', '')), 'a <DescribeInstancesResponse> without its requestId');
    assert.equal(judge(ok.replace('<requestId>r-1</requestId>', '<x>requestId></x><y:>requestId></y:>')), 'a <DescribeInstancesResponse> without its requestId', 'the name as text, or after an empty prefix, is no requestId');
  });
  test('the checks read the answer\'s ends from its bytes: a namespace prefix, a prolog longer than the decoded head, a root name at the head\'s edge', () => {
    assert.equal(judge(ok.replace('<requestId>r-1</requestId>', '<ec2:requestId>r-1</ec2:requestId>')), undefined);
    assert.equal(judge(`<!-- ${'x'.repeat(5000)} -->${ok}`), undefined, 'the root element after a 5 kB comment');
    assert.equal(judge(`<!-- ${'x'.repeat(5000)} -->`), `a body that is not XML: "<!-- ${'x'.repeat(55)}…"`);
    // 4,096 bytes decoded first: the root's name runs past them, so the whole body is read for it.
    const prolog = `<!--${'x'.repeat(4096 - 7 - 4 - 10)}-->`;
    assert.equal(judge(`${prolog}<DescribeInstancesResponse>${ok.slice(ok.indexOf('<requestId>'))}`), undefined, prolog.length.toString());
    assert.equal(judge(`${prolog}<DescribeInstanceStatusResponse><requestId>r</requestId></DescribeInstanceStatusResponse>`), 'a <DescribeInstanceStatusResponse> document instead of <DescribeInstancesResponse>');
  });
});

describe('EC2 listing through the SDK: a page that is not a DescribeInstancesResponse fails the listing', () => {
  let lab: Ec2Lab;
  before(async () => {
    lab = await startEc2Lab();
  });
  after(() => lab.close());
  beforeEach(() => {
    lab.simulator.reset();
    lab.simulator.seedDcmInstances({ count: 12, tagged: 12 });
  });

  const cases = [
    { answer: 'html', problem: /^ec2 endpoint aws-lab \(us-east-1\): DescribeInstances answered HTTP 200 with content type text\/html, not XML: "<!DOCTYPE html> .*"; not a DescribeInstancesResponse, so the answer counts for nothing \[request id [0-9a-f-]+\] \(page 2 of the listing\)$/ },
    { answer: 'emptyBody', problem: /^ec2 endpoint aws-lab \(us-east-1\): DescribeInstances answered HTTP 200 with an empty body; .* \(page 2 of the listing\)$/ },
    { answer: 'otherAction', problem: /answered HTTP 200 with a <DescribeInstanceStatusResponse> document instead of <DescribeInstancesResponse>; .* \(page 2 of the listing\)$/ },
    { answer: 'missingInstanceId', problem: /^ec2 endpoint aws-lab \(us-east-1\): DescribeInstances page 2 of the listing is not a complete answer: instance #1 of reservation r-0[0-9a-f]+ has no instanceId; it counts for nothing$/ },
  ] as const;
  for (const { answer, problem } of cases) {
    test(`${answer} on page 2 of 3: LIST_INCOMPLETE naming it, page 3 never read, not retried`, async () => {
      lab.simulator.failDescribe({ page: 2, answer });
      const { connection, requests } = connectEc2(lab.endpointInput(), createEc2Adapter({ ...fastRetries, pageSize: 5 }));
      await assert.rejects(listPages(connection), (error: unknown) => {
        assert.ok(isBridgeError(error, 'LIST_INCOMPLETE'), String(error));
        console.log(`${answer} → ${error.message}`);
        assert.match(error.message, problem);
        assert.equal(error.context.endpoint, 'aws-lab');
        return true;
      });
      // A well-formed page with a nextToken has page 3 asked for before it is read (listing.ts), then cancelled; a page the raw check refuses has no token to ask with.
      const asked = lab.simulator.usage().actions['DescribeInstances'] ?? 0;
      if (answer === 'missingInstanceId') assert.ok(asked === 2 || asked === 3, `${asked} DescribeInstances`);
      else assert.equal(asked, 2);
      assert.equal(lab.simulator.usage().describeFaults[answer], 1);
      assert.deepEqual(requests.slice(0, 2).map((request) => request.status), [200, 200], 'both answers were 200s');
      // The fault fired once: the next listing is complete.
      assert.deepEqual((await listPages(connection)).map((page) => page.length), [5, 5, 2]);
    });
  }
});
