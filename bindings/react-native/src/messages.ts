// The host bridge's message formats (Kotlin dev.pinwire.bridge, Swift PinwireBridge), as React Native
// carries them: byte arrays as base64 strings, ids and numbers as numbers. The tests replay messages recorded
// from the Kotlin bridge, so a change on either side that the other does not follow fails a test.

/** The bridge's method names. */
export const METHODS = [
  'createClient',
  'newCall',
  'execute',
  'readChunk',
  'cancel',
  'closeCall',
  'closeClient',
  'openHandles',
] as const;
export type Method = (typeof METHODS)[number];

/** The bridge's error codes. */
export const ERROR_CODES = [
  'PinMismatch',
  'UntrustedCertificate',
  'HostnameMismatch',
  'CleartextNotPermitted',
  'Timeout',
  'Connect',
  'Protocol',
  'TooManyRedirects',
  'DecodedBodyTooLarge',
  'InvalidConfig',
  'InvalidUrl',
  'Closed',
  'Cancelled',
  'BadMessage',
  'UnknownHandle',
  'Internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The bridge's event names. */
export const EVENTS = ['pinEvent'] as const;

/** A JSON-like value, as the bridge carries it. */
export type MessageValue = string | number | boolean | null | MessageValue[] | { [key: string]: MessageValue };
export type Message = { [key: string]: MessageValue };

/** A failure: `code`, the core's `message`, and the error's fields. */
export interface ErrorMessage extends Message {
  code: string;
  message: string;
}

/** What the native module resolves for every call. */
export type Envelope = { result: Message } | { error: ErrorMessage };

/** The native side as the TypeScript layer needs it: the Turbo Module, or a double in tests. */
export interface NativeBridge {
  /** Resolves an `Envelope`; typed `unknown` because the client checks what the native side sent. */
  call(method: Method, args: Message): Promise<unknown>;
}

/** Something that delivers the bridge's events: React Native's NativeEventEmitter, or a double. */
export interface EventSource {
  addListener(eventName: 'pinEvent', listener: (body: Message) => void): { remove(): void };
}

/** `execute`'s result. */
export interface HeadMessage extends Message {
  status: number;
  url: string;
  version: string;
  headers: [string, string][];
}

/** Reads a field of a message with its expected type, or throws: the native side broke the format. */
export function field<T extends 'string' | 'number' | 'boolean'>(
  message: Message,
  key: string,
  type: T,
): T extends 'string' ? string : T extends 'number' ? number : boolean {
  const value = message[key];
  if (typeof value !== type) {
    throw new TypeError(`pinwire: bridge message field ${key} should be a ${type}, was ${JSON.stringify(value)}`);
  }
  return value as T extends 'string' ? string : T extends 'number' ? number : boolean;
}

/** A list of strings from a message, or throws. */
export function stringList(message: Message, key: string): string[] {
  const value = message[key];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new TypeError(`pinwire: bridge message field ${key} should be a list of strings`);
  }
  return value;
}

/** An optional number (absent or null: undefined). */
export function optionalNumber(message: Message, key: string): number | undefined {
  const value = message[key];
  return typeof value === 'number' ? value : undefined;
}

/** An optional string (absent or null: undefined). */
export function optionalString(message: Message, key: string): string | undefined {
  const value = message[key];
  return typeof value === 'string' ? value : undefined;
}
