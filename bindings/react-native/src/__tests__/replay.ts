// A native-module double that speaks the bridge's message format exactly: it replays the messages the
// Kotlin bridge exchanged with the real test server (fixtures/bridge-messages.json, written and checked by
// the Kotlin suite), asserting that the TypeScript layer sends the very same messages in the same order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorMessage, EventSource, Message, Method, NativeBridge } from '../messages';

export interface Entry {
  method: Method;
  args: Message;
  result?: Message;
  error?: ErrorMessage;
  events?: { event: 'pinEvent'; body: Message }[];
}

export interface Fixture {
  host: string;
  ports: Record<string, number>;
  methods: string[];
  errorCodes: string[];
  events: string[];
  scenarios: Record<string, Entry[]>;
}

// Compiled tests run from build/test/__tests__; the fixture stays in the sources.
export const fixture: Fixture = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'src', '__tests__', 'fixtures', 'bridge-messages.json'), 'utf8'),
) as Fixture;

export class ReplayBridge implements NativeBridge, EventSource {
  private position = 0;
  private readonly entries: Entry[];
  private readonly listeners = new Set<(body: Message) => void>();
  private readonly waitingForCancel = new Map<number, (() => void)[]>();
  /** Every message the TypeScript layer sent, in order. */
  readonly sent: { method: Method; args: Message }[] = [];

  constructor(readonly scenario: string) {
    const entries = fixture.scenarios[scenario];
    assert.ok(entries, `no recorded scenario ${scenario}`);
    this.entries = entries;
  }

  call(method: Method, args: Message): Promise<unknown> {
    this.sent.push({ method, args });
    const entry = this.entries[this.position];
    assert.ok(entry, `${this.scenario}: unexpected extra message ${method} ${JSON.stringify(args)}`);
    this.position++;
    assert.equal(method, entry.method, `${this.scenario}: message ${this.position} should be ${entry.method}`);
    assert.deepEqual(args, entry.args, `${this.scenario}: arguments of ${method} (message ${this.position})`);
    for (const e of entry.events ?? []) for (const l of [...this.listeners]) l(e.body);
    if (method === 'cancel' && typeof args.call === 'number') {
      for (const wake of this.waitingForCancel.get(args.call) ?? []) wake();
      this.waitingForCancel.delete(args.call);
    }
    const envelope = entry.error !== undefined ? { error: entry.error } : { result: entry.result };
    // A call the recording saw end in Cancelled ended because a cancel came: it waits for that cancel here too.
    if (entry.error?.code === 'Cancelled' && typeof args.call === 'number') {
      const call = args.call;
      return new Promise((resolve) => {
        const waiting = this.waitingForCancel.get(call) ?? [];
        waiting.push(() => setImmediate(() => resolve(envelope)));
        this.waitingForCancel.set(call, waiting);
      });
    }
    return new Promise((resolve) => setImmediate(() => resolve(envelope)));
  }

  addListener(eventName: 'pinEvent', listener: (body: Message) => void): { remove(): void } {
    assert.equal(eventName, 'pinEvent');
    this.listeners.add(listener);
    return { remove: () => this.listeners.delete(listener) };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Asserts that every recorded message was sent. */
  finished(): void {
    assert.equal(this.position, this.entries.length, `${this.scenario}: ${this.entries.length - this.position} recorded messages were not sent`);
    assert.equal(this.waitingForCancel.size, 0, `${this.scenario}: a call still waits for its cancel`);
  }
}

/** The stand-in values the fixture shows instead of a run's ports, pins and roots. */
export const standIn = {
  pin: (name: string): string => `sha256/${name.toUpperCase()}-PIN=`,
  url: (server: string, path: string): string => `https://${fixture.host}:${fixture.ports[server]}${path}`,
  rootPem: '<root PEM: test>',
};

/** The options the recorded scenarios' clients were made with (see the Kotlin BridgeTestSupport). */
export function testOptions(): { trustedRootsPem: string[]; includePlatformTrust: false; resolve: Record<string, string> } {
  return { trustedRootsPem: [standIn.rootPem], includePlatformTrust: false, resolve: { [fixture.host]: '127.0.0.1' } };
}
