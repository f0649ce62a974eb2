// react-native-pinwire: HTTPS with TLS public-key pinning for React Native, on Pinwire's Rust core through
// the Kotlin (Android) and Swift (iOS) APIs.
import { NativeEventEmitter } from 'react-native';
import { type ClientOptions, createClientWith, type PinwireClient } from './client';
import type { EventSource, Message, Method, NativeBridge } from './messages';
import NativePinwire from './NativePinwire';

const native: NativeBridge = {
  call: (method: Method, args: Message) => NativePinwire.call(method, args),
};

let emitter: NativeEventEmitter | undefined;

const events: EventSource = {
  addListener(eventName, listener) {
    emitter ??= new NativeEventEmitter(NativePinwire);
    // The event's one argument is the bridge's message; the client reads it field by field.
    return emitter.addListener(eventName, (...args) => listener(args[0] as Message));
  },
};

/**
 * Creates a client from pins (`{ pins: { 'api.example.com': ['sha256/...', 'sha256/...'] } }`) or from a
 * Pinwire JSON configuration (`{ config: json }`). Rejects with `InvalidConfigError` for an invalid pin,
 * pattern, pin set or configuration: never a weaker client.
 */
export function createClient(options: ClientOptions): Promise<PinwireClient> {
  return createClientWith(native, events, options);
}

export type {
  AbortSignalLike,
  ClientOptions,
  CommonOptions,
  ConfigOptions,
  PinRule,
  PinsOptions,
  RequestInit,
} from './client';
export { PinwireClient } from './client';
export {
  AbortError,
  BridgeError,
  CleartextNotPermittedError,
  ClosedError,
  ConnectError,
  HostnameMismatchError,
  InvalidConfigError,
  InvalidUrlError,
  PinMismatchError,
  PinwireError,
  ProtocolError,
  TimeoutError,
  TooManyRedirectsError,
  DecodedBodyTooLargeError,
  UntrustedCertificateError,
} from './errors';
export type { TimeoutKind, UntrustedReason } from './errors';
export type { PinEvent, PinEventListener, PinOutcome, Subscription } from './events';
export { PinwireHeaders } from './headers';
export type { HeadersInit } from './headers';
export { PinwireResponse } from './response';
export type { ErrorCode } from './messages';
