// The client: options to a native client, `fetch` to bridge calls, AbortSignal to `cancel`, bridge errors to
// error classes. It runs against any NativeBridge: the Turbo Module in an app, a double in the tests.
import { fromBase64, toBase64, utf8Encode } from './bytes';
import { AbortError, ClosedError, errorFromMessage, BridgeError } from './errors';
import { type PinEventListener, pinEventFromMessage, type Subscription } from './events';
import { type HeadersInit, PinwireHeaders } from './headers';
import type { ErrorMessage, EventSource, HeadMessage, Message, MessageValue, Method, NativeBridge } from './messages';
import { type BodySource, PinwireResponse } from './response';

/** The options of one pin rule, when more than its pins are needed. */
export interface PinRule {
  /** `sha256/` + base64 of the SHA-256 of a SubjectPublicKeyInfo; at least two (a backup key). */
  pins: string[];
  /** Also pin every subdomain of the pattern. */
  includeSubdomains?: boolean;
  /** Report mismatches to pin event listeners and let the connection go on. */
  reportOnly?: boolean;
  /** From this time (milliseconds since the epoch) the pins are not enforced. */
  expiresAtMs?: number;
}

/** Options every client takes, whatever its pins come from. */
export interface CommonOptions {
  /** Timeout for TCP connect plus TLS handshake (default 30 s). */
  connectTimeoutMs?: number;
  /** Longest wait for data from the server (default 30 s). */
  readTimeoutMs?: number;
  /** Timeout for a whole call, body included (default none). */
  callTimeoutMs?: number;
  /** Redirects to follow (default 10); 0 hands redirects back as responses. */
  maxRedirects?: number;
  /** Offer only HTTP/1.1. */
  http1Only?: boolean;
  /** Host name to IP address, instead of asking DNS (like curl's `--resolve`). */
  resolve?: Record<string, string>;
  userAgent?: string;
  /** An explicit HTTP proxy, e.g. `http://proxy.local:3128`. */
  proxy?: string;
}

/** A client whose pins are given here. */
export interface PinsOptions extends CommonOptions {
  /** Pattern (`api.example.com`, `*.example.com`, `**.example.com`) to its pins, or to a rule. */
  pins?: Record<string, string[] | PinRule>;
  /** PEM root certificates to trust (app-bundled CAs). */
  trustedRootsPem?: string[];
  /** Whether the platform's roots are trusted too (default true). */
  includePlatformTrust?: boolean;
  /** Accept a pin set of one pin. Dangerous: one key rotation locks the app out. */
  dangerousAllowSinglePin?: boolean;
  config?: never;
}

/** A client whose pins and trust anchors come from a Pinwire JSON configuration. */
export interface ConfigOptions extends CommonOptions {
  /** The configuration file's text (Pinwire's JSON format). */
  config: string;
  /** The file's name in error messages (default `pinwire.json`). */
  configName?: string;
  /** Whether the configuration's debug anchors apply (a debug build). */
  configDebuggable?: boolean;
  pins?: never;
  trustedRootsPem?: never;
  includePlatformTrust?: never;
}

export type ClientOptions = PinsOptions | ConfigOptions;

/** The part of `AbortSignal` fetch uses (React Native's AbortController provides it). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What `client.fetch` takes besides the URL. */
export interface RequestInit {
  /** `GET` (default), `POST`, ... */
  method?: string;
  headers?: HeadersInit;
  /** A string is sent as UTF-8. Set `content-type` yourself. */
  body?: string | Uint8Array | ArrayBuffer | null;
  /** Aborting it cancels the request, or the body read, for real: the native request is dropped. */
  signal?: AbortSignalLike | null;
  /** Timeout for this whole call, body included; overrides the client's. */
  timeoutMs?: number;
}

/** Sends one message; a failure becomes its error class. */
async function send(native: NativeBridge, method: Method, args: Message): Promise<Message> {
  const envelope: unknown = await native.call(method, args);
  if (typeof envelope === 'object' && envelope !== null) {
    if ('result' in envelope && typeof envelope.result === 'object' && envelope.result !== null) {
      return envelope.result as Message;
    }
    if ('error' in envelope && typeof envelope.error === 'object' && envelope.error !== null) {
      const error = envelope.error as ErrorMessage;
      if (typeof error.code === 'string' && typeof error.message === 'string') throw errorFromMessage(error);
    }
  }
  throw new BridgeError('Internal', `pinwire: the native module answered ${method} with ${JSON.stringify(envelope)}`);
}

function withoutUndefined(options: object): Message {
  const out: Message = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) out[key] = value as MessageValue;
  }
  return out;
}

function requestBody(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return toBase64(utf8Encode(body));
  return toBase64(body instanceof Uint8Array ? body : new Uint8Array(body));
}

function head(m: Message): HeadMessage {
  const headers = m.headers;
  if (
    typeof m.status !== 'number' ||
    typeof m.url !== 'string' ||
    typeof m.version !== 'string' ||
    !Array.isArray(headers) ||
    !headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string')
  ) {
    throw new BridgeError('Internal', `pinwire: malformed response head ${JSON.stringify(m)}`);
  }
  return m as HeadMessage;
}

/** An HTTPS client with pinning: share one for the app's life, `close()` it when done. */
export class PinwireClient {
  private closed = false;
  private readonly listeners = new Set<PinEventListener>();
  private subscription: Subscription | undefined;

  /** @internal Use `createClient`. */
  constructor(
    private readonly native: NativeBridge,
    private readonly events: EventSource | undefined,
    /** The native client's id. */
    readonly id: number,
  ) {}

  /**
   * Sends a request and resolves once the response head has arrived; read the body from the response.
   * Rejects with a `PinwireError` subclass (`PinMismatchError`, `UntrustedCertificateError`, `TimeoutError`,
   * ...), or `AbortError` when `init.signal` aborts.
   */
  async fetch(url: string, init: RequestInit = {}): Promise<PinwireResponse> {
    this.checkOpen();
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw new AbortError();
    const args: Message = {
      client: this.id,
      url,
      method: (init.method ?? 'GET').toUpperCase(),
      headers: new PinwireHeaders(init.headers).raw(),
    };
    const body = requestBody(init.body);
    if (body !== undefined) args.body = body;
    if (init.timeoutMs !== undefined) args.callTimeoutMs = init.timeoutMs;

    const call = (await send(this.native, 'newCall', args)).call;
    if (typeof call !== 'number') throw new BridgeError('Internal', 'pinwire: newCall gave no call id');
    const native = this.native;
    let released = false;
    const onAbort = (): void => {
      release();
      // The pending execute or readChunk then fails with Cancelled, which becomes AbortError.
      void send(native, 'cancel', { call }).catch(() => undefined);
    };
    const release = (): void => {
      if (!released) {
        released = true;
        signal?.removeEventListener('abort', onAbort);
      }
    };
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();

    let answer: Message;
    try {
      answer = await send(native, 'execute', { call });
    } catch (e) {
      release();
      throw e;
    }
    let ended = false;
    const source: BodySource = {
      async next(): Promise<Uint8Array | null> {
        if (ended) return null;
        try {
          const m = await send(native, 'readChunk', { call });
          if (m.done === true) {
            ended = true;
            release();
            return null;
          }
          if (typeof m.chunk !== 'string') throw new BridgeError('Internal', 'pinwire: readChunk gave no chunk');
          return fromBase64(m.chunk);
        } catch (e) {
          ended = true;
          release();
          throw e;
        }
      },
      async close(): Promise<void> {
        if (ended) return;
        ended = true;
        release();
        await send(native, 'closeCall', { call });
      },
    };
    return new PinwireResponse(head(answer), url, source);
  }

  /** Receives every pin decision of this client's handshakes (telemetry, report-only rules). */
  addPinEventListener(listener: PinEventListener): Subscription {
    this.checkOpen();
    this.listeners.add(listener);
    if (this.subscription === undefined && this.events !== undefined) {
      this.subscription = this.events.addListener('pinEvent', (body) => {
        if (body.client !== this.id) return;
        const event = pinEventFromMessage(body);
        for (const l of [...this.listeners]) {
          try {
            l(event);
          } catch {
            // A listener's failure must not stop the others (the native side drops them the same way).
          }
        }
      });
    }
    return {
      remove: (): void => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.unsubscribe();
      },
    };
  }

  /** Closes the client: calls in flight are cancelled, later calls fail with `ClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.unsubscribe();
    await send(this.native, 'closeClient', { client: this.id });
  }

  /** Whether `close()` was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private unsubscribe(): void {
    this.subscription?.remove();
    this.subscription = undefined;
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new ClosedError({ code: 'Closed', message: 'client was used after close()', what: 'client' });
    }
  }
}

/** Creates a client on `native` (the Turbo Module, or a double in tests). */
export async function createClientWith(
  native: NativeBridge,
  events: EventSource | undefined,
  options: ClientOptions,
): Promise<PinwireClient> {
  const id = (await send(native, 'createClient', withoutUndefined(options))).client;
  if (typeof id !== 'number') throw new BridgeError('Internal', 'pinwire: createClient gave no client id');
  return new PinwireClient(native, events, id);
}
