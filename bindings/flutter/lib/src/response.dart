import 'dart:convert';
import 'dart:typed_data';

import 'cancel.dart';
import 'channel.g.dart';
import 'errors.dart';
import 'host.dart';

/// A response whose head has arrived; its body is read once, as [bytes], [text] or [stream].
final class PinwireResponse {
  PinwireResponse._(this._host, this._call, this._cancelToken, this.statusCode, this.url, this.version, this.headerLines);

  /// The response of call [call] from `execute`'s answer [head]; a malformed head is a bridge error.
  factory PinwireResponse.fromHead(PinwireHost host, int call, Map<String, Object?> head, {CancelToken? cancelToken}) {
    final status = head[Keys.status];
    final url = head[Keys.url];
    final version = head[Keys.version];
    final lines = head[Keys.headers];
    if (status is! int || url is! String || version is! String || lines is! List<Object?>) {
      throw PinwireBridgeException(ErrorCodes.internal, 'pinwire: malformed response head $head');
    }
    final headerLines = <(String, String)>[];
    for (final line in lines) {
      if (line case [final String name, final String value]) {
        headerLines.add((name, value));
      } else {
        throw PinwireBridgeException(ErrorCodes.internal, 'pinwire: malformed header line $line');
      }
    }
    return PinwireResponse._(host, call, cancelToken, status, Uri.parse(url), version, List.unmodifiable(headerLines));
  }

  final PinwireHost _host;
  final int _call;
  final CancelToken? _cancelToken;
  bool _read = false;
  bool _ended = false;

  final int statusCode;

  /// The URL of the response, after redirects.
  final Uri url;

  /// `HTTP/1.1`, `HTTP/2.0`, ...
  final String version;

  /// The header lines as the server sent them: order and repeated names kept, names in lower case.
  final List<(String, String)> headerLines;

  /// The headers with lower-case names, repeated ones joined with `, ` (as `package:http` gives them).
  Map<String, String> get headers {
    final out = <String, String>{};
    for (final (name, value) in headerLines) {
      final key = name.toLowerCase();
      out[key] = out.containsKey(key) ? '${out[key]}, $value' : value;
    }
    return out;
  }

  /// The body as it arrives, chunk by chunk (read only when listened to, at the listener's pace). Cancelling
  /// the subscription discards the rest. A body can be read once.
  Stream<List<int>> get stream {
    if (_read) throw StateError('pinwire: the body was already read');
    _read = true;
    return _chunks();
  }

  /// The whole body.
  Future<Uint8List> bytes() async {
    final builder = BytesBuilder(copy: false);
    await for (final chunk in stream) {
      builder.add(chunk);
    }
    return builder.takeBytes();
  }

  /// The whole body, decoded as UTF-8.
  Future<String> text() async => utf8.decode(await bytes());

  /// Discards the body (if it is not read to its end) and frees the native call.
  Future<void> close() async {
    _read = true;
    await _release();
  }

  Stream<Uint8List> _chunks() async* {
    try {
      while (!_ended) {
        final Map<String, Object?> answer;
        try {
          answer = await _host.call(Methods.readChunk, <String, Object?>{Keys.call: _call});
        } on PinwireException catch (e) {
          // The bridge released the call when the read failed (a cancel between two reads leaves no call).
          _ended = true;
          if (e is PinwireBridgeException && (_cancelToken?.isCancelled ?? false)) throw RequestCancelledException();
          rethrow;
        }
        if (answer[Keys.done] == true) {
          _ended = true;
          return;
        }
        final chunk = answer[Keys.chunk];
        if (chunk is! Uint8List) {
          throw PinwireBridgeException(ErrorCodes.internal, 'pinwire: readChunk gave no chunk');
        }
        yield chunk;
      }
    } finally {
      // The listener stopped early: release the call now rather than when the client closes.
      await _release();
    }
  }

  Future<void> _release() async {
    if (_ended) return;
    _ended = true;
    try {
      await _host.call(Methods.closeCall, <String, Object?>{Keys.call: _call});
    } on PinwireException {
      // Already released (cancelled, client closed): nothing is left to free.
    }
  }

  @override
  String toString() => 'PinwireResponse($statusCode, $url)';
}
