import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isBridgeError } from '../../../src/errors/index.js';
import { createSealer, credentialKeysOf, decodeCredentialKeys, isSealedValue, type SealedValue } from '../../../src/secrets/index.js';

const newKey = (): string => randomBytes(32).toString('base64');
const [keyA, keyB] = [newKey(), newKey()];
const plaintext = JSON.stringify({ username: 'svc-dcm', password: 'vc-password-0123' });
const record = 'endpoint-registration:vc-lab';

const refused = (action: () => unknown, pattern: RegExp): void => {
  assert.throws(action, (error: unknown) => {
    assert.ok(isBridgeError(error, 'FAILED_PRECONDITION'), `a FAILED_PRECONDITION BridgeError; got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
};

test('round trip: what is sealed opens to the same text; the sealed form holds no plaintext and names its key', () => {
  const sealer = createSealer(credentialKeysOf([{ id: 'k1', key: keyA }]));
  const sealed = sealer.seal(plaintext, record);
  assert.ok(isSealedValue(sealed));
  assert.equal(sealed.keyId, 'k1');
  assert.equal(sealed.algorithm, 'aes-256-gcm');
  assert.ok(!JSON.stringify(sealed).includes('vc-password-0123'));
  assert.equal(sealer.open(sealed, record), plaintext);
  assert.notEqual(sealer.seal(plaintext, record).ciphertext, sealed.ciphertext, 'a fresh nonce each time: equal secrets do not look equal');
});

test('tampering is refused: a flipped ciphertext bit, a changed tag, a truncated nonce, another record', () => {
  const sealer = createSealer(credentialKeysOf([{ id: 'k1', key: keyA }]));
  const sealed = sealer.seal(plaintext, record);
  const flip = (base64: string): string => {
    const bytes = Buffer.from(base64, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    return bytes.toString('base64');
  };
  const altered: SealedValue[] = [
    { ...sealed, ciphertext: flip(sealed.ciphertext) },
    { ...sealed, tag: flip(sealed.tag) },
    { ...sealed, iv: Buffer.from(sealed.iv, 'base64').subarray(0, 8).toString('base64') },
  ];
  for (const value of altered) refused(() => sealer.open(value, record), /sealed with key "k1" but does not authenticate/);
  refused(() => sealer.open(sealed, 'endpoint-registration:other'), /does not authenticate/);
});

test('a wrong key under the same id is refused; a key id that is not configured is named', () => {
  const sealed = createSealer(credentialKeysOf([{ id: 'k1', key: keyA }])).seal(plaintext, record);
  refused(() => createSealer(credentialKeysOf([{ id: 'k1', key: keyB }])).open(sealed, record), /does not authenticate/);
  refused(() => createSealer(credentialKeysOf([{ id: 'k2', key: keyB }])).open(sealed, record), /sealed with key "k1", which api\.credentialKeys does not list \(it has "k2"\)/);
});

test('rotation: with [new, old] the new key seals and the old one still opens; without the old one, its records do not open', () => {
  const old = createSealer(credentialKeysOf([{ id: 'old', key: keyA }]));
  const sealedByOld = old.seal(plaintext, record);
  const rotated = createSealer(credentialKeysOf([{ id: 'new', key: keyB }, `old:${keyA}`]));
  assert.equal(rotated.currentKeyId, 'new');
  assert.equal(rotated.open(sealedByOld, record), plaintext, 'the old key still opens');
  const resealed = rotated.seal(rotated.open(sealedByOld, record), record);
  assert.equal(resealed.keyId, 'new');
  const retired = createSealer(credentialKeysOf([{ id: 'new', key: keyB }]));
  assert.equal(retired.open(resealed, record), plaintext, 'a re-sealed record needs only the new key');
  refused(() => retired.open(sealedByOld, record), /key "old"/);
});

test('key settings are checked: 32 bytes after base64, unique ids, plain ids; messages never quote a key', () => {
  const short = Buffer.from('sixteen-byte-key').toString('base64');
  const { keys, problems } = decodeCredentialKeys([
    { id: 'k1', key: keyA },
    { id: 'k1', key: keyB },
    { id: 'k2', key: short },
    'k3:not base64!',
    { id: 'bad id', key: keyA },
    { id: 'k4' },
    { id: 'k5', key: keyA, extra: 'x' },
    42,
  ]);
  assert.deepEqual(keys.map((key) => key.id), ['k1', 'k1'], 'only the well-formed entries decode');
  const text = problems.join('\n');
  assert.match(text, /entry 1: id "k1" is also the id of entry 0; ids must be unique/);
  assert.match(text, /entry 2 \(id "k2"\): key must be 32 random bytes in base64.*decodes to 16 bytes/);
  assert.match(text, /entry 3 \(id "k3"\): key must be .* is not base64/);
  assert.match(text, /entry 4: id must be/);
  assert.match(text, /entry 5 \(id "k4"\): key is required/);
  assert.match(text, /entry 6 has unknown keys/);
  assert.match(text, /entry 7 must be a map/);
  for (const secret of [keyA, keyB, short, 'not base64!']) assert.ok(!text.includes(secret), 'no key is quoted');
  assert.throws(() => credentialKeysOf([{ id: 'k2', key: short }]), (error: unknown) => isBridgeError(error, 'CONFIG_INVALID'));
  assert.deepEqual(decodeCredentialKeys([{ id: 'url-safe', key: randomBytes(32).toString('base64url') }]).problems, [], 'URL-safe base64 is accepted too');
});
