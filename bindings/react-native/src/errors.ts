// Every way a Pinwire call fails, as classes with fields (never strings), built from the bridge's error
// messages. The names match the Kotlin and Swift APIs' errors (PinMismatch..., UntrustedCertificate...).
import {
  ERROR_CODES,
  type ErrorCode,
  type ErrorMessage,
  field,
  optionalNumber,
  optionalString,
  stringList,
} from './messages';

/** The base class of every Pinwire failure. `message` is the core's own text. */
export class PinwireError extends Error {
  /** The bridge's error code, e.g. `PinMismatch`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    // Keeps `instanceof` working when TypeScript targets ES5-style classes.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** The chain was valid and none of its keys is pinned for the host. */
export class PinMismatchError extends PinwireError {
  readonly host: string;
  readonly port: number | undefined;
  /** The pattern of the rule that applied, e.g. `**.example.com` (Android only for now). */
  readonly pattern: string | undefined;
  /** The pins the rule expects (`sha256/...`). */
  readonly expectedPins: readonly string[];
  /** The validated chain's pins, leaf first, trust anchor last. */
  readonly chainPins: readonly string[];
  /** The validated chain's subjects, in the same order. */
  readonly chainSubjects: readonly string[];

  constructor(m: ErrorMessage) {
    super('PinMismatch', m.message);
    this.host = field(m, 'host', 'string');
    this.port = optionalNumber(m, 'port');
    this.pattern = optionalString(m, 'pattern');
    this.expectedPins = stringList(m, 'expectedPins');
    this.chainPins = stringList(m, 'chainPins');
    this.chainSubjects = stringList(m, 'chainSubjects');
  }
}

/** Why a chain was not trusted. */
export type UntrustedReason =
  | 'expired'
  | 'notYetValid'
  | 'unknownIssuer'
  | 'badSignature'
  | 'hostnameMismatch'
  | 'notServerAuth'
  | 'revoked'
  | 'wrongRole'
  | 'malformed'
  | 'other';

const UNTRUSTED_REASONS: readonly string[] = [
  'expired',
  'notYetValid',
  'unknownIssuer',
  'badSignature',
  'hostnameMismatch',
  'notServerAuth',
  'revoked',
  'wrongRole',
  'malformed',
  'other',
];

/** The chain did not validate (unknown issuer, expired, ...); pins were not looked at. */
export class UntrustedCertificateError extends PinwireError {
  readonly host: string;
  readonly reason: UntrustedReason;

  constructor(m: ErrorMessage) {
    super('UntrustedCertificate', m.message);
    this.host = field(m, 'host', 'string');
    const reason = field(m, 'reason', 'string');
    this.reason = UNTRUSTED_REASONS.includes(reason) ? (reason as UntrustedReason) : 'other';
  }
}

/** The certificate is not valid for the host. */
export class HostnameMismatchError extends PinwireError {
  readonly host: string;

  constructor(m: ErrorMessage) {
    super('HostnameMismatch', m.message);
    this.host = field(m, 'host', 'string');
  }
}

/** `http://` to a host the policy does not permit cleartext to. */
export class CleartextNotPermittedError extends PinwireError {
  readonly host: string;
  readonly url: string;

  constructor(m: ErrorMessage) {
    super('CleartextNotPermitted', m.message);
    this.host = field(m, 'host', 'string');
    this.url = field(m, 'url', 'string');
  }
}

/** Which timeout fired. */
export type TimeoutKind = 'connect' | 'read' | 'call';

/** A timeout fired: `kind` says which. */
export class TimeoutError extends PinwireError {
  readonly kind: TimeoutKind;
  readonly url: string;

  constructor(m: ErrorMessage) {
    super('Timeout', m.message);
    const kind = field(m, 'kind', 'string');
    this.kind = kind === 'connect' || kind === 'read' ? kind : 'call';
    this.url = field(m, 'url', 'string');
  }
}

/** The connection could not be made: refused, unreachable, DNS, or a proxy refused the tunnel. */
export class ConnectError extends PinwireError {
  readonly url: string;

  constructor(m: ErrorMessage) {
    super('Connect', m.message);
    this.url = field(m, 'url', 'string');
  }
}

/** The peer broke the TLS or HTTP protocol, or the connection dropped mid-exchange. */
export class ProtocolError extends PinwireError {
  readonly url: string;

  constructor(m: ErrorMessage) {
    super('Protocol', m.message);
    this.url = field(m, 'url', 'string');
  }
}

/** More redirects than `maxRedirects` allows. */
export class TooManyRedirectsError extends PinwireError {
  readonly url: string;
  readonly maxRedirects: number;

  constructor(m: ErrorMessage) {
    super('TooManyRedirects', m.message);
    this.url = field(m, 'url', 'string');
    this.maxRedirects = field(m, 'maxRedirects', 'number');
  }
}

/** A compressed body expanded beyond the client's bound when decoded (a decompression bomb). */
export class DecodedBodyTooLargeError extends PinwireError {
  readonly url: string;
  /** Decoded bytes when the bound was crossed. */
  readonly decodedBytes: number;
  /** Compressed bytes received by then. */
  readonly compressedBytes: number;

  constructor(m: ErrorMessage) {
    super('DecodedBodyTooLarge', m.message);
    this.url = field(m, 'url', 'string');
    this.decodedBytes = field(m, 'decodedBytes', 'number');
    this.compressedBytes = field(m, 'compressedBytes', 'number');
  }
}

/** The client options, pins, configuration, a certificate or a header is invalid. */
export class InvalidConfigError extends PinwireError {
  constructor(m: ErrorMessage) {
    super('InvalidConfig', m.message);
  }
}

/** A malformed URL or an unsupported scheme. */
export class InvalidUrlError extends PinwireError {
  readonly url: string;

  constructor(m: ErrorMessage) {
    super('InvalidUrl', m.message);
    this.url = field(m, 'url', 'string');
  }
}

/** A client or response was used after `close()`. */
export class ClosedError extends PinwireError {
  /** Which object, e.g. `client`. */
  readonly what: string;

  constructor(m: ErrorMessage) {
    super('Closed', m.message);
    this.what = optionalString(m, 'what') ?? 'client';
  }
}

/**
 * The native module refused a message (`BadMessage`, `UnknownHandle`) or failed unexpectedly (`Internal`):
 * a bug in this package or a version mismatch between its JavaScript and native halves.
 */
export class BridgeError extends PinwireError {}

/**
 * The request was aborted through its `AbortSignal`. Named `AbortError` as `fetch`'s is, so code that
 * checks `error.name === 'AbortError'` works unchanged.
 */
export class AbortError extends Error {
  constructor(message = 'The request was aborted') {
    super(message);
    this.name = 'AbortError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** The error class of a bridge error message. */
export function errorFromMessage(m: ErrorMessage): PinwireError | AbortError {
  const code = m.code;
  if (!isErrorCode(code)) return new BridgeError('Internal', `unknown error code ${code}: ${m.message}`);
  switch (code) {
    case 'PinMismatch':
      return new PinMismatchError(m);
    case 'UntrustedCertificate':
      return new UntrustedCertificateError(m);
    case 'HostnameMismatch':
      return new HostnameMismatchError(m);
    case 'CleartextNotPermitted':
      return new CleartextNotPermittedError(m);
    case 'Timeout':
      return new TimeoutError(m);
    case 'Connect':
      return new ConnectError(m);
    case 'Protocol':
      return new ProtocolError(m);
    case 'TooManyRedirects':
      return new TooManyRedirectsError(m);
    case 'DecodedBodyTooLarge':
      return new DecodedBodyTooLargeError(m);
    case 'InvalidConfig':
      return new InvalidConfigError(m);
    case 'InvalidUrl':
      return new InvalidUrlError(m);
    case 'Closed':
      return new ClosedError(m);
    case 'Cancelled':
      return new AbortError();
    case 'BadMessage':
    case 'UnknownHandle':
    case 'Internal':
      return new BridgeError(code, m.message);
  }
}
