// The TypeScript API replaying the Kotlin bridge's recorded messages: the same requests, the same answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClientWith, type PinwireClient } from '../client';
import {
  AbortError,
  InvalidConfigError,
  PinMismatchError,
  PinwireError,
  TimeoutError,
  UntrustedCertificateError,
} from '../errors';
import type { PinEvent } from '../events';
import { fixture, ReplayBridge, standIn, testOptions } from './replay';

const host = fixture.host;

async function replay(scenario: string, body: (bridge: ReplayBridge) => Promise<void>): Promise<void> {
  const bridge = new ReplayBridge(scenario);
  await body(bridge);
  bridge.finished();
}

test('a pinned POST: request encoding, response head and body, the pin event, close', () =>
  replay('pinnedPost', async (bridge) => {
    const client = await createClientWith(bridge, bridge, {
      ...testOptions(),
      pins: { [host]: [standIn.pin('intermediate'), standIn.pin('evil_root')] },
    });
    const events: PinEvent[] = [];
    const subscription = client.addPinEventListener((e) => events.push(e));
    const response = await client.fetch(standIn.url('good', '/echo'), {
      method: 'post',
      headers: { 'X-Test': 'hi', 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    assert.equal(response.status, 200);
    assert.equal(response.ok, true);
    assert.equal(response.url, standIn.url('good', '/echo'));
    assert.equal(response.redirected, false);
    assert.equal(response.version, 'HTTP/2.0');
    assert.equal(response.headers.get('Content-Length'), '21');
    assert.equal(response.headers.get('date'), '<date>');
    assert.equal(await response.text(), 'POST x-test=hi body=5');
    assert.equal(response.bodyUsed, true);
    await assert.rejects(response.text(), TypeError);

    assert.equal(events.length, 1);
    const event = events[0] as PinEvent;
    assert.equal(event.host, host);
    assert.equal(event.port, fixture.ports.good);
    assert.equal(event.outcome, 'matched');
    assert.equal(event.matchedPin, standIn.pin('intermediate'));
    assert.equal(event.allowed, true);
    assert.equal(event.enforced, true);
    assert.deepEqual(event.chainPins, [standIn.pin('leaf'), standIn.pin('intermediate'), standIn.pin('root')]);
    assert.ok(event.at instanceof Date);

    assert.deepEqual(await bridge.call('openHandles', {}), { result: { clients: 1, calls: 0 } });
    subscription.remove();
    assert.equal(bridge.listenerCount, 0);
    await client.close();
    assert.equal(client.isClosed, true);
    assert.deepEqual(await bridge.call('openHandles', {}), { result: { clients: 0, calls: 0 } });
  }));

test('a body arrives in chunks and decodes byte for byte', () =>
  replay('bytesInChunks', async (bridge) => {
    const client = await createClientWith(bridge, bridge, testOptions());
    const response = await client.fetch(standIn.url('good', '/pattern/100000'));
    let offset = 0;
    let pieces = 0;
    for await (const chunk of response.chunks()) {
      pieces++;
      chunk.forEach((b, i) => assert.equal(b, (offset + i) % 251));
      offset += chunk.length;
    }
    assert.equal(offset, 100000);
    assert.ok(pieces >= 2, `${pieces} pieces`);
    await client.close();
  }));

test('a client from a Pinwire JSON configuration; a 404 is a response, not an error', () =>
  replay('fromConfig', async (bridge) => {
    const entry = fixture.scenarios.fromConfig?.[0];
    const config = entry?.args.config;
    assert.equal(typeof config, 'string');
    const client = await createClientWith(bridge, bridge, { config: config as string, resolve: { [host]: '127.0.0.1' } });
    const response = await client.fetch(standIn.url('good', '/status/404'));
    assert.equal(response.status, 404);
    assert.equal(response.ok, false);
    assert.equal((await response.arrayBuffer()).byteLength, 0);
    await client.close();
  }));

test('a pin mismatch rejects with PinMismatchError and every field', () =>
  replay('pinMismatch', async (bridge) => {
    const expected = [standIn.pin('impostor_leaf'), standIn.pin('evil_root')];
    const client = await createClientWith(bridge, bridge, { ...testOptions(), pins: { [host]: expected } });
    const error = await client.fetch(standIn.url('good', '/version')).then(
      () => assert.fail('the fetch should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof PinMismatchError);
    assert.ok(error instanceof PinwireError);
    assert.equal(error.name, 'PinMismatchError');
    assert.equal(error.code, 'PinMismatch');
    assert.equal(error.host, host);
    assert.equal(error.port, fixture.ports.good);
    assert.equal(error.pattern, host);
    assert.deepEqual([...error.expectedPins].sort(), [...expected].sort(), 'a set: any order');
    assert.deepEqual(error.chainPins, [standIn.pin('leaf'), standIn.pin('intermediate'), standIn.pin('root')]);
    assert.equal(error.chainSubjects.length, 3);
    assert.match(error.message, /^Certificate pinning failure!/);
    assert.deepEqual(await bridge.call('openHandles', {}), { result: { clients: 1, calls: 0 } });
    await client.close();
  }));

test('an untrusted chain rejects with UntrustedCertificateError and its reason', () =>
  replay('untrusted', async (bridge) => {
    const client = await createClientWith(bridge, bridge, testOptions());
    await assert.rejects(client.fetch(standIn.url('untrusted', '/')), (e: unknown) => {
      assert.ok(e instanceof UntrustedCertificateError);
      assert.equal(e.host, host);
      assert.equal(e.reason, 'unknownIssuer');
      return true;
    });
    await client.close();
  }));

test('a read timeout rejects with TimeoutError of kind read', () =>
  replay('readTimeout', async (bridge) => {
    const client = await createClientWith(bridge, bridge, { ...testOptions(), readTimeoutMs: 300 });
    await assert.rejects(client.fetch(standIn.url('good', '/stall')), (e: unknown) => {
      assert.ok(e instanceof TimeoutError);
      assert.equal(e.kind, 'read');
      assert.equal(e.url, standIn.url('good', '/stall'));
      return true;
    });
    await client.close();
  }));

test('AbortController during a slow body cancels the native read: AbortError, no handle left', () =>
  replay('cancelSlowBody', async (bridge) => {
    const client = await createClientWith(bridge, bridge, { ...testOptions(), http1Only: true });
    const controller = new AbortController();
    const response = await client.fetch(standIn.url('http1', '/slow-body'), { signal: controller.signal });
    const chunks = response.chunks();
    const first = await chunks.next();
    assert.equal(Buffer.from(first.value as Uint8Array).toString(), 'first');
    const pending = chunks.next();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, (e: unknown) => e instanceof AbortError && e.name === 'AbortError');
    assert.deepEqual(await bridge.call('openHandles', {}), { result: { clients: 1, calls: 0 } });
    await client.close();
  }));

test('AbortController before the response head cancels the native request', () =>
  replay('cancelBeforeHead', async (bridge) => {
    const client = await createClientWith(bridge, bridge, testOptions());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(client.fetch(standIn.url('good', '/stall'), { signal: controller.signal }), AbortError);
    await client.close();
  }));

test('an invalid pin set rejects createClient with InvalidConfigError and leaves no client', () =>
  replay('invalidConfig', async (bridge) => {
    await assert.rejects(
      createClientWith(bridge, bridge, { ...testOptions(), pins: { [host]: [standIn.pin('leaf')] } }),
      (e: unknown) => e instanceof InvalidConfigError && /pin/i.test(e.message),
    );
    assert.deepEqual(await bridge.call('openHandles', {}), { result: { clients: 0, calls: 0 } });
  }));

test('an already aborted signal and a closed client fail before any native message', async () => {
  const bridge = new ReplayBridge('pinnedPost');
  const client: PinwireClient = await createClientWith(bridge, bridge, {
    ...testOptions(),
    pins: { [host]: [standIn.pin('intermediate'), standIn.pin('evil_root')] },
  });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(client.fetch(standIn.url('good', '/echo'), { signal: controller.signal }), AbortError);
  assert.equal(bridge.sent.length, 1, 'only createClient was sent');
});
