import 'dart:convert';
import 'dart:typed_data';

import 'cancel.dart';
import 'channel.g.dart';
import 'errors.dart';
import 'events.dart';
import 'host.dart';
import 'response.dart';

/// A pin rule with more than its pins: subdomains, report-only, an expiry.
final class PinRule {
  /// [pins]: `sha256/` + base64 of the SHA-256 of a SubjectPublicKeyInfo; at least two (a backup key).
  const PinRule(this.pattern, this.pins, {this.includeSubdomains = false, this.reportOnly = false, this.expiresAt});

  /// `api.example.com`, `*.example.com` or `**.example.com`.
  final String pattern;
  final List<String> pins;

  /// Also pin every subdomain of [pattern].
  final bool includeSubdomains;

  /// Report mismatches to pin event listeners and let the connection go on.
  final bool reportOnly;

  /// From this time on the pins are not enforced.
  final DateTime? expiresAt;

  Map<String, Object?> _toMessage() => <String, Object?>{
        Keys.pins: pins,
        Keys.includeSubdomains: includeSubdomains,
        Keys.reportOnly: reportOnly,
        if (expiresAt != null) Keys.expiresAtMs: expiresAt!.millisecondsSinceEpoch,
      };
}

/// Options every client takes, whatever its pins come from. Unset ones keep Pinwire's defaults.
final class ClientOptions {
  const ClientOptions({
    this.connectTimeout,
    this.readTimeout,
    this.callTimeout,
    this.maxRedirects,
    this.http1Only,
    this.resolve,
    this.userAgent,
    this.proxy,
  });

  /// TCP connect plus TLS handshake (default 30 s).
  final Duration? connectTimeout;

  /// Longest wait for data from the server (default 30 s).
  final Duration? readTimeout;

  /// A whole call, body included (default none).
  final Duration? callTimeout;

  /// Redirects to follow (default 10); 0 hands redirects back as responses.
  final int? maxRedirects;

  /// Offer only HTTP/1.1.
  final bool? http1Only;

  /// Host name to IP address, instead of asking DNS (like curl's `--resolve`).
  final Map<String, String>? resolve;
  final String? userAgent;

  /// An explicit HTTP proxy, e.g. `http://proxy.local:3128`.
  final String? proxy;

  Map<String, Object?> _toMessage() => <String, Object?>{
        if (connectTimeout != null) Keys.connectTimeoutMs: connectTimeout!.inMilliseconds,
        if (readTimeout != null) Keys.readTimeoutMs: readTimeout!.inMilliseconds,
        if (callTimeout != null) Keys.callTimeoutMs: callTimeout!.inMilliseconds,
        if (maxRedirects != null) Keys.maxRedirects: maxRedirects,
        if (http1Only != null) Keys.http1Only: http1Only,
        if (resolve != null) Keys.resolve: resolve,
        if (userAgent != null) Keys.userAgent: userAgent,
        if (proxy != null) Keys.proxy: proxy,
      };
}

/// One request: method, URL, header lines (order and repeats kept) and an optional body.
final class PinwireRequest {
  PinwireRequest(this.method, this.url, {this.headers = const <(String, String)>[], this.body, this.timeout});

  /// `GET`, `POST`, ...
  final String method;
  final Uri url;

  /// `(name, value)` lines.
  final List<(String, String)> headers;
  final Uint8List? body;

  /// A timeout for this whole call, body included; overrides the client's.
  final Duration? timeout;
}

/// An HTTPS client with pinning: share one for the app's life, [close] it when done.
///
/// Each client is a native Pinwire client: its pins are checked inside the TLS handshake of the connection
/// that carries the request, on Android and iOS alike.
final class PinwireClient {
  PinwireClient._(this._host, this.id);

  final PinwireHost _host;

  /// The native client's id.
  final int id;
  bool _closed = false;

  /// A client pinned to [pins] (pattern to its pins, at least two each) and [rules] (pins with options).
  ///
  /// [trustedRootsPem] adds root certificates to trust (app-bundled CAs); [includePlatformTrust] (default
  /// true) keeps the platform's roots too. [dangerousAllowSinglePin] accepts a pin set of one pin: one key
  /// rotation then locks the app out.
  static Future<PinwireClient> create({
    Map<String, List<String>> pins = const <String, List<String>>{},
    List<PinRule> rules = const <PinRule>[],
    List<String>? trustedRootsPem,
    bool? includePlatformTrust,
    bool dangerousAllowSinglePin = false,
    ClientOptions options = const ClientOptions(),
  }) {
    final all = <String, Object?>{...pins};
    for (final rule in rules) {
      if (all.containsKey(rule.pattern)) throw ArgumentError.value(rule.pattern, 'rules', 'pattern given twice');
      all[rule.pattern] = rule._toMessage();
    }
    return _create(<String, Object?>{
      if (all.isNotEmpty) Keys.pins: all,
      if (trustedRootsPem != null) Keys.trustedRootsPem: trustedRootsPem,
      if (includePlatformTrust != null) Keys.includePlatformTrust: includePlatformTrust,
      if (dangerousAllowSinglePin) Keys.dangerousAllowSinglePin: true,
      ...options._toMessage(),
    });
  }

  /// A client whose pins and trust anchors come from a Pinwire JSON configuration ([json], the file's
  /// text). [configName] names it in error messages; [configDebuggable] applies its debug anchors.
  static Future<PinwireClient> fromConfig(
    String json, {
    String? configName,
    bool configDebuggable = false,
    ClientOptions options = const ClientOptions(),
  }) =>
      _create(<String, Object?>{
        Keys.config: json,
        if (configName != null) Keys.configName: configName,
        if (configDebuggable) Keys.configDebuggable: true,
        ...options._toMessage(),
      });

  static Future<PinwireClient> _create(Map<String, Object?> args) async {
    final host = PinwireHost.instance;
    final id = (await host.call(Methods.createClient, args))[Keys.client];
    if (id is! int) throw PinwireBridgeException(ErrorCodes.internal, 'pinwire: createClient gave no client id');
    return PinwireClient._(host, id);
  }

  /// Every pin decision of this client's handshakes (telemetry, report-only rules). Listen before the
  /// requests you want to see: events are not kept for later listeners.
  Stream<PinEvent> get pinEvents =>
      _host.pinEvents.where((m) => m[Keys.client] == id).map(PinEvent.fromMessage);

  /// Sends [request] and completes once the response head has arrived; read the body from the response.
  ///
  /// Fails with a [PinwireException] subclass ([PinMismatchException], [UntrustedCertificateException],
  /// [PinwireTimeoutException], ...), or [RequestCancelledException] once [cancelToken] is cancelled.
  Future<PinwireResponse> send(PinwireRequest request, {CancelToken? cancelToken}) async {
    _checkOpen();
    if (cancelToken?.isCancelled ?? false) throw RequestCancelledException();
    final answer = await _host.call(Methods.newCall, <String, Object?>{
      Keys.client: id,
      Keys.url: request.url.toString(),
      Keys.method: request.method.toUpperCase(),
      Keys.headers: <List<String>>[
        for (final (name, value) in request.headers) <String>[name, value],
      ],
      if (request.body != null) Keys.body: request.body,
      if (request.timeout != null) Keys.callTimeoutMs: request.timeout!.inMilliseconds,
    });
    final call = answer[Keys.call];
    if (call is! int) throw PinwireBridgeException(ErrorCodes.internal, 'pinwire: newCall gave no call id');
    // The pending execute or readChunk then fails with Cancelled; a call already released answers false.
    cancelToken?.whenCancelled.then((_) => _host.call(Methods.cancel, <String, Object?>{Keys.call: call})).ignore();
    final Map<String, Object?> head;
    try {
      head = await _host.call(Methods.execute, <String, Object?>{Keys.call: call});
    } on PinwireBridgeException {
      // A cancel that came first released the call: the execute then finds no call.
      if (cancelToken?.isCancelled ?? false) throw RequestCancelledException();
      rethrow;
    }
    return PinwireResponse.fromHead(_host, call, head, cancelToken: cancelToken);
  }

  /// A GET.
  Future<PinwireResponse> get(Uri url, {Map<String, String>? headers, CancelToken? cancelToken, Duration? timeout}) =>
      send(PinwireRequest('GET', url, headers: _lines(headers), timeout: timeout), cancelToken: cancelToken);

  /// A POST; a String [body] is sent as UTF-8, a `List<int>` as it is. Set `content-type` yourself.
  Future<PinwireResponse> post(
    Uri url, {
    Map<String, String>? headers,
    Object? body,
    CancelToken? cancelToken,
    Duration? timeout,
  }) =>
      send(
        PinwireRequest('POST', url, headers: _lines(headers), body: _bytes(body), timeout: timeout),
        cancelToken: cancelToken,
      );

  /// Closes the client: calls in flight are cancelled, later calls fail with [ClosedException].
  Future<void> close() async {
    if (_closed) return;
    _closed = true;
    await _host.call(Methods.closeClient, <String, Object?>{Keys.client: id});
  }

  /// Whether [close] was called.
  bool get isClosed => _closed;

  void _checkOpen() {
    if (_closed) throw ClosedException(message: 'client was used after close()', what: 'client');
  }

  static List<(String, String)> _lines(Map<String, String>? headers) =>
      <(String, String)>[for (final e in (headers ?? const <String, String>{}).entries) (e.key, e.value)];

  static Uint8List? _bytes(Object? body) => switch (body) {
        null => null,
        final String s => utf8.encode(s),
        final Uint8List b => b,
        final List<int> b => Uint8List.fromList(b),
        _ => throw ArgumentError.value(body, 'body', 'must be a String or a List<int>'),
      };
}
