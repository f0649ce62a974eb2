// The response of `client.fetch`: status and headers at once, the body read from the native side on demand.
import { utf8Decode } from './bytes';
import { PinwireHeaders } from './headers';
import type { HeadMessage } from './messages';

/** Reads one call's body from the native side; `next()` gives null at the end. */
export interface BodySource {
  next(): Promise<Uint8Array | null>;
  /** Discards the rest of the body and releases the native call. */
  close(): Promise<void>;
}

/** A `Response`-like object: `status`, `ok`, `headers`, `url`, and the body once, as text, JSON or bytes. */
export class PinwireResponse {
  /** The status code, e.g. 200. */
  readonly status: number;
  /** Whether `status` is 2xx. */
  readonly ok: boolean;
  /** The final URL, after redirects. */
  readonly url: string;
  readonly headers: PinwireHeaders;
  /** `HTTP/1.1` or `HTTP/2.0`. */
  readonly version: string;
  /** Whether the response came after a redirect. */
  readonly redirected: boolean;
  private used = false;

  constructor(
    head: HeadMessage,
    requestUrl: string,
    private readonly body: BodySource,
  ) {
    this.status = head.status;
    this.ok = head.status >= 200 && head.status <= 299;
    this.url = head.url;
    this.headers = new PinwireHeaders(head.headers);
    this.version = head.version;
    this.redirected = head.url !== requestUrl;
  }

  /** Whether the body was read (or closed). */
  get bodyUsed(): boolean {
    return this.used;
  }

  /**
   * The body piece by piece as it arrives (each at most 256 KiB): memory stays at one piece, however
   * large the body. Breaking out of the loop closes the body.
   */
  async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    this.use();
    let finished = false;
    try {
      for (;;) {
        const chunk = await this.body.next();
        if (chunk === null) {
          finished = true;
          return;
        }
        yield chunk;
      }
    } finally {
      if (!finished) await this.body.close();
    }
  }

  /** The whole body as bytes. */
  async bytes(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of this.chunks()) {
      parts.push(chunk);
      length += chunk.length;
    }
    const out = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  /** The whole body in an ArrayBuffer. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  /** The whole body as UTF-8 text (invalid sequences become U+FFFD). */
  async text(): Promise<string> {
    return utf8Decode(await this.bytes());
  }

  /** The whole body parsed as JSON; `T` is what the caller expects (not checked). */
  async json<T = unknown>(): Promise<T> {
    return JSON.parse(await this.text()) as T;
  }

  /** Discards the body without reading it and releases the connection. Harmless when repeated. */
  async close(): Promise<void> {
    this.used = true;
    await this.body.close();
  }

  private use(): void {
    if (this.used) throw new TypeError('pinwire: the response body was already read or closed');
    this.used = true;
  }
}
