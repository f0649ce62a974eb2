import 'package:http/http.dart' as http;

import 'channel.g.dart';

/// Why a certificate chain was not trusted.
enum UntrustedReason {
  expired,
  notYetValid,
  unknownIssuer,
  badSignature,
  hostnameMismatch,
  notServerAuth,
  revoked,
  wrongRole,
  malformed,
  other,
}

/// Which timeout fired.
enum TimeoutKind { connect, read, call }

/// The base class of every Pinwire failure; [message] is the core's own text.
///
/// It is an [http.ClientException], so code written for `package:http` (and [PinwireHttpClient]'s users)
/// catches Pinwire's failures where it catches any other client error.
sealed class PinwireException extends http.ClientException {
  PinwireException(this.code, String message, [Uri? uri]) : super(message, uri);

  /// The host bridge's error code, e.g. `PinMismatch`.
  final String code;

  @override
  String toString() => '$runtimeType: $message';
}

/// The chain was valid and none of its keys is pinned for the host.
final class PinMismatchException extends PinwireException {
  PinMismatchException({
    required String message,
    required this.host,
    required this.port,
    required this.pattern,
    required this.expectedPins,
    required this.chainPins,
    required this.chainSubjects,
  }) : super(ErrorCodes.pinMismatch, message);

  final String host;
  final int? port;

  /// The pattern of the rule that applied, e.g. `**.example.com`.
  final String? pattern;

  /// The pins the rule expects (`sha256/...`).
  final List<String> expectedPins;

  /// The validated chain's pins, leaf first, trust anchor last.
  final List<String> chainPins;

  /// The validated chain's subjects, in the same order.
  final List<String> chainSubjects;
}

/// The chain did not validate (unknown issuer, expired, ...); pins were not looked at.
final class UntrustedCertificateException extends PinwireException {
  UntrustedCertificateException({required String message, required this.host, required this.reason})
      : super(ErrorCodes.untrustedCertificate, message);

  final String host;
  final UntrustedReason reason;
}

/// The certificate is not valid for the host.
final class HostnameMismatchException extends PinwireException {
  HostnameMismatchException({required String message, required this.host})
      : super(ErrorCodes.hostnameMismatch, message);

  final String host;
}

/// `http://` to a host the policy does not permit cleartext to.
final class CleartextNotPermittedException extends PinwireException {
  CleartextNotPermittedException({required String message, required this.host, required this.url})
      : super(ErrorCodes.cleartextNotPermitted, message, Uri.tryParse(url));

  final String host;
  final String url;
}

/// A timeout fired; [kind] says which. (Named so that it does not clash with `dart:async`'s
/// `TimeoutException`; Kotlin's and Swift's are `TimeoutException` and `PinwireError.timeout`.)
final class PinwireTimeoutException extends PinwireException {
  PinwireTimeoutException({required String message, required this.kind, required this.url})
      : super(ErrorCodes.timeout, message, Uri.tryParse(url));

  final TimeoutKind kind;
  final String url;
}

/// The connection could not be made: refused, unreachable, DNS, or a proxy refused the tunnel.
final class ConnectException extends PinwireException {
  ConnectException({required String message, required this.url}) : super(ErrorCodes.connect, message, Uri.tryParse(url));

  final String url;
}

/// The peer broke the TLS or HTTP protocol, or the connection dropped mid-exchange.
final class ProtocolException extends PinwireException {
  ProtocolException({required String message, required this.url})
      : super(ErrorCodes.protocol, message, Uri.tryParse(url));

  final String url;
}

/// More redirects than `maxRedirects` allows.
final class TooManyRedirectsException extends PinwireException {
  TooManyRedirectsException({required String message, required this.url, required this.maxRedirects})
      : super(ErrorCodes.tooManyRedirects, message, Uri.tryParse(url));

  final String url;
  final int maxRedirects;
}

/// A compressed body decoded to more than the client's decompression-bomb bound allows.
final class DecodedBodyTooLargeException extends PinwireException {
  DecodedBodyTooLargeException({
    required String message,
    required this.url,
    required this.decodedBytes,
    required this.compressedBytes,
  }) : super(ErrorCodes.decodedBodyTooLarge, message, Uri.tryParse(url));

  final String url;

  /// Decoded bytes when the bound was crossed.
  final int decodedBytes;

  /// Compressed bytes read by then.
  final int compressedBytes;
}

/// The client options, pins, configuration, a certificate or a header is invalid.
final class InvalidConfigException extends PinwireException {
  InvalidConfigException({required String message}) : super(ErrorCodes.invalidConfig, message);
}

/// A malformed URL or an unsupported scheme.
final class InvalidUrlException extends PinwireException {
  InvalidUrlException({required String message, required this.url}) : super(ErrorCodes.invalidUrl, message);

  final String url;
}

/// A client or response was used after `close()`.
final class ClosedException extends PinwireException {
  ClosedException({required String message, required this.what}) : super(ErrorCodes.closed, message);

  /// Which object, e.g. `client`.
  final String what;
}

/// The request was cancelled through its [CancelToken] (or its client was closed).
final class RequestCancelledException extends PinwireException {
  RequestCancelledException([String message = 'the call was cancelled']) : super(ErrorCodes.cancelled, message);
}

/// The native side refused a message (`BadMessage`, `UnknownHandle`) or failed unexpectedly (`Internal`): a
/// bug in this package, or its Dart and native halves are of different versions.
final class PinwireBridgeException extends PinwireException {
  PinwireBridgeException(super.code, super.message);
}

/// The exception of an error answer: `code`, the core's `message`, and the error's fields.
PinwireException exceptionFromError(String code, String message, Object? details) {
  final fields = _Fields(code, details);
  try {
    return switch (code) {
      ErrorCodes.pinMismatch => PinMismatchException(
          message: message,
          host: fields.string(Keys.host),
          port: fields.optionalInt(Keys.port),
          pattern: fields.optionalString(Keys.pattern),
          expectedPins: fields.strings(Keys.expectedPins),
          chainPins: fields.strings(Keys.chainPins),
          chainSubjects: fields.strings(Keys.chainSubjects),
        ),
      ErrorCodes.untrustedCertificate => UntrustedCertificateException(
          message: message,
          host: fields.string(Keys.host),
          reason: UntrustedReason.values.asNameMap()[fields.string(Keys.reason)] ?? UntrustedReason.other,
        ),
      ErrorCodes.hostnameMismatch => HostnameMismatchException(message: message, host: fields.string(Keys.host)),
      ErrorCodes.cleartextNotPermitted => CleartextNotPermittedException(
          message: message,
          host: fields.string(Keys.host),
          url: fields.string(Keys.url),
        ),
      ErrorCodes.timeout => PinwireTimeoutException(
          message: message,
          kind: TimeoutKind.values.asNameMap()[fields.string(Keys.kind)] ?? TimeoutKind.call,
          url: fields.string(Keys.url),
        ),
      ErrorCodes.connect => ConnectException(message: message, url: fields.string(Keys.url)),
      ErrorCodes.protocol => ProtocolException(message: message, url: fields.string(Keys.url)),
      ErrorCodes.tooManyRedirects => TooManyRedirectsException(
          message: message,
          url: fields.string(Keys.url),
          maxRedirects: fields.integer(Keys.maxRedirects),
        ),
      ErrorCodes.decodedBodyTooLarge => DecodedBodyTooLargeException(
          message: message,
          url: fields.string(Keys.url),
          decodedBytes: fields.integer(Keys.decodedBytes),
          compressedBytes: fields.integer(Keys.compressedBytes),
        ),
      ErrorCodes.invalidConfig => InvalidConfigException(message: message),
      ErrorCodes.invalidUrl => InvalidUrlException(message: message, url: fields.string(Keys.url)),
      ErrorCodes.closed => ClosedException(message: message, what: fields.optionalString(Keys.what) ?? 'client'),
      ErrorCodes.cancelled => RequestCancelledException(message),
      ErrorCodes.badMessage || ErrorCodes.unknownHandle || ErrorCodes.internal => PinwireBridgeException(code, message),
      _ => PinwireBridgeException(ErrorCodes.internal, 'unknown error code $code: $message'),
    };
  } on FormatException catch (e) {
    return PinwireBridgeException(ErrorCodes.internal, '${e.message} (the error was $code: $message)');
  }
}

/// Typed reads of an error's fields; a missing or mistyped one is a [FormatException] naming it.
final class _Fields {
  _Fields(this._code, Object? details) : _map = details is Map<Object?, Object?> ? details : const <Object?, Object?>{};

  final String _code;
  final Map<Object?, Object?> _map;

  FormatException _bad(String key, String what) =>
      FormatException('pinwire: the $_code error field $key should be $what, was ${_map[key]}');

  String string(String key) => optionalString(key) ?? (throw _bad(key, 'a string'));

  String? optionalString(String key) => switch (_map[key]) {
        null => null,
        final String s => s,
        _ => throw _bad(key, 'a string'),
      };

  int integer(String key) => optionalInt(key) ?? (throw _bad(key, 'an int'));

  int? optionalInt(String key) => switch (_map[key]) {
        null => null,
        final int i => i,
        _ => throw _bad(key, 'an int'),
      };

  List<String> strings(String key) => switch (_map[key]) {
        final List<Object?> list when list.every((e) => e is String) => List<String>.unmodifiable(list.cast<String>()),
        _ => throw _bad(key, 'a list of strings'),
      };
}
