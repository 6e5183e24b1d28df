import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode, parseInvocation } from '../../../src/main.js';

test('a command line names a command, its config file and --resync; run is the default', () => {
  assert.deepEqual(parseInvocation([]), { kind: 'command', command: 'run', configPath: undefined, resync: false });
  assert.deepEqual(parseInvocation(['once', '-c', 'x.yaml', '--resync']), { kind: 'command', command: 'once', configPath: 'x.yaml', resync: true });
  assert.deepEqual(parseInvocation(['validate-config', '--config=y.yaml']), { kind: 'command', command: 'validate-config', configPath: 'y.yaml', resync: false });
});

test('--version, --help and bad usage are answers, each with its stream and exit code', () => {
  const version = parseInvocation(['run', '-v']);
  assert.equal(version.kind === 'answer' && version.stream === 'stdout' && version.code === ExitCode.Ok, true);
  assert.match(version.kind === 'answer' ? version.text : '', /^\d+\.\d+\.\d+/);
  const help = parseInvocation(['once', '--help']);
  assert.match(help.kind === 'answer' && help.code === ExitCode.Ok ? help.text : '', /^Usage: dcm-poll-bridge once /);
  const top = parseInvocation(['-h']);
  assert.match(top.kind === 'answer' ? top.text : '', /^Usage: dcm-poll-bridge \[command\]/);
  for (const [argv, message] of [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['run', 'extra'], /unexpected argument\(s\): extra/],
    [['run', '--resync'], /--resync only applies to "once"/],
    [['--no-such-option'], /Unknown option '--no-such-option'/],
  ] as const) {
    const answer = parseInvocation(argv);
    assert.equal(answer.kind, 'answer', argv.join(' '));
    if (answer.kind !== 'answer') continue;
    assert.deepEqual([answer.code, answer.stream], [ExitCode.Usage, 'stderr'], argv.join(' '));
    assert.match(answer.text, message);
  }
});
