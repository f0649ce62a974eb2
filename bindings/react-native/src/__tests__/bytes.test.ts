// UTF-8 and base64 against Node's own TextEncoder/TextDecoder and Buffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64, toBase64, utf8Decode, utf8Encode } from '../bytes';
import { PinwireHeaders } from '../headers';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

test('utf8Decode equals TextDecoder on valid, invalid, truncated and overlong input', () => {
  const decoder = new TextDecoder();
  const fixed = [
    [0x68, 0x69],
    [0xef, 0xbb, 0xbf, 0x41],
    [0xe2, 0x82, 0xac],
    [0xf0, 0x9f, 0x98, 0x80],
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf0, 0x9f, 0x98],
    [0xe2, 0x82],
    [0x80, 0xbf, 0xfe, 0xff],
    [0x61, 0xf1, 0x80, 0x80, 0xe1, 0x80, 0xc2, 0x62, 0x80, 0x63, 0x80, 0xbf, 0x64],
  ];
  for (const bytes of fixed) assert.equal(utf8Decode(Uint8Array.from(bytes)), decoder.decode(Uint8Array.from(bytes)), `${bytes}`);
  const next = random(7);
  const interesting = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  for (let n = 0; n < 3000; n++) {
    const bytes = Uint8Array.from({ length: Math.floor(next() * 12) }, () =>
      next() < 0.5 ? (interesting[Math.floor(next() * interesting.length)] as number) : Math.floor(next() * 256),
    );
    assert.equal(utf8Decode(bytes), decoder.decode(bytes), `${bytes}`);
  }
  const big = new Uint8Array(100_000).fill(0x78);
  assert.equal(utf8Decode(big), 'x'.repeat(100_000));
});

test('utf8Encode equals TextEncoder, lone surrogates included', () => {
  const encoder = new TextEncoder();
  for (const text of ['', 'hello', 'héllo €', '😀 and 𝄞', '\ud800', 'a\udc00b', '\ud83d\ude00\ud83d']) {
    assert.deepEqual(utf8Encode(text), encoder.encode(text), JSON.stringify(text));
  }
});

test('base64 round-trips and agrees with Buffer', () => {
  const next = random(11);
  for (let n = 0; n < 200; n++) {
    const bytes = Uint8Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256));
    const text = toBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(fromBase64(text), bytes);
  }
});

test('headers: names ignore case, repeated names are joined by get and kept apart by raw', () => {
  const headers = new PinwireHeaders([
    ['Set-Cookie', 'a=1'],
    ['content-type', 'text/plain'],
    ['set-cookie', 'b=2'],
  ]);
  assert.equal(headers.get('SET-COOKIE'), 'a=1, b=2');
  assert.deepEqual(headers.getAll('set-cookie'), ['a=1', 'b=2']);
  assert.equal(headers.get('missing'), null);
  assert.equal(headers.has('Content-Type'), true);
  assert.deepEqual(headers.raw(), [
    ['set-cookie', 'a=1'],
    ['content-type', 'text/plain'],
    ['set-cookie', 'b=2'],
  ]);
  assert.deepEqual([...headers], [
    ['content-type', 'text/plain'],
    ['set-cookie', 'a=1, b=2'],
  ]);
  assert.deepEqual(new PinwireHeaders({ 'X-A': '1' }).raw(), [['x-a', '1']]);
});
