// The TypeScript tables against the bridge's own (recorded from Kotlin), and errors from error messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as errors from '../errors';
import { ERROR_CODES, EVENTS, METHODS } from '../messages';
import { fixture } from './replay';

test('methods, error codes and events are the bridge’s, no more and no fewer', () => {
  assert.deepEqual([...METHODS], fixture.methods);
  assert.deepEqual([...ERROR_CODES], fixture.errorCodes);
  assert.deepEqual([...EVENTS], fixture.events);
});

test('every recorded message uses a known method and every recorded error a known code', () => {
  for (const [name, entries] of Object.entries(fixture.scenarios)) {
    for (const entry of entries) {
      assert.ok((METHODS as readonly string[]).includes(entry.method), `${name}: ${entry.method}`);
      if (entry.error) assert.ok((ERROR_CODES as readonly string[]).includes(entry.error.code), `${name}: ${entry.error.code}`);
    }
  }
});

test('each error code becomes its class, with its fields', () => {
  const cases: [Record<string, string | number | string[]>, new (...args: never[]) => Error, Record<string, unknown>][] = [
    [{ code: 'HostnameMismatch', host: 'a.test' }, errors.HostnameMismatchError, { host: 'a.test' }],
    [{ code: 'CleartextNotPermitted', host: 'a.test', url: 'http://a.test/' }, errors.CleartextNotPermittedError, { url: 'http://a.test/' }],
    [{ code: 'Timeout', kind: 'connect', url: 'https://a.test/' }, errors.TimeoutError, { kind: 'connect' }],
    [{ code: 'Connect', url: 'https://a.test/' }, errors.ConnectError, { url: 'https://a.test/' }],
    [{ code: 'Protocol', url: 'https://a.test/' }, errors.ProtocolError, { url: 'https://a.test/' }],
    [{ code: 'TooManyRedirects', url: 'https://a.test/', maxRedirects: 3 }, errors.TooManyRedirectsError, { maxRedirects: 3 }],
    [
      { code: 'DecodedBodyTooLarge', url: 'https://a.test/', decodedBytes: 9, compressedBytes: 1 },
      errors.DecodedBodyTooLargeError,
      { decodedBytes: 9, compressedBytes: 1 },
    ],
    [{ code: 'InvalidUrl', url: 'ftp://a.test/' }, errors.InvalidUrlError, { url: 'ftp://a.test/' }],
    [{ code: 'Closed', what: 'client' }, errors.ClosedError, { what: 'client' }],
    [{ code: 'BadMessage' }, errors.BridgeError, { code: 'BadMessage' }],
    [{ code: 'UnknownHandle', kind: 'call', id: 3 }, errors.BridgeError, { code: 'UnknownHandle' }],
    [{ code: 'Internal' }, errors.BridgeError, { code: 'Internal' }],
    [{ code: 'NoSuchCode' }, errors.BridgeError, { code: 'Internal' }],
  ];
  for (const [fields, type, expected] of cases) {
    const error = errors.errorFromMessage({ message: 'text', ...fields } as Parameters<typeof errors.errorFromMessage>[0]);
    assert.ok(error instanceof type, `${String(fields.code)} -> ${error.name}`);
    for (const [key, value] of Object.entries(expected)) assert.deepEqual((error as unknown as Record<string, unknown>)[key], value);
  }
  const aborted = errors.errorFromMessage({ code: 'Cancelled', message: 'the call was cancelled' });
  assert.ok(aborted instanceof errors.AbortError);
  assert.equal(aborted.name, 'AbortError');
});

test('a message missing a field the class needs is a TypeError naming it, not a half-built error', () => {
  assert.throws(() => errors.errorFromMessage({ code: 'PinMismatch', message: 'x', host: 'a.test' }), /expectedPins/);
});
