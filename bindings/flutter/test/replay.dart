// A native side that speaks the plugin's channels exactly as the host bridge does: it replays the messages
// the Kotlin bridge exchanged with the real test server (bindings/react-native/src/__tests__/fixtures/
// bridge-messages.json, written and checked by the Kotlin suite), and fails the test when the Dart layer
// sends other messages, other arguments, or in another order. Bytes travel as Uint8List, as Flutter's
// standard codec carries them (the recording holds them as base64).
import 'dart:async';
import 'dart:convert';
import 'dart:io';
import 'dart:typed_data';

import 'package:flutter/services.dart';
import 'package:flutter_test/flutter_test.dart';
import 'package:pinwire/src/channel.g.dart';

/// The recording (`flutter test` runs in the package's folder).
final Map<String, Object?> fixture =
    jsonDecode(File('../react-native/src/__tests__/fixtures/bridge-messages.json').readAsStringSync())
        as Map<String, Object?>;

/// The recording's test host and its servers' ports.
String get host => fixture['host']! as String;
int port(String server) => (fixture['ports']! as Map<String, Object?>)[server]! as int;
Uri url(String server, String path) => Uri.parse('https://$host:${port(server)}$path');

/// Replays one recorded scenario on the plugin's channels for the current test.
final class ReplayHost {
  ReplayHost(this.scenario)
      : _entries = ((fixture['scenarios']! as Map<String, Object?>)[scenario]! as List<Object?>)
            .cast<Map<String, Object?>>() {
    final messenger = TestDefaultBinaryMessengerBinding.instance.defaultBinaryMessenger;
    messenger.setMockMethodCallHandler(_methods, _handle);
    messenger.setMockStreamHandler(
      _events,
      MockStreamHandler.inline(
        onListen: (Object? arguments, MockStreamHandlerEventSink events) => _sink = events,
        onCancel: (Object? arguments) => _sink = null,
      ),
    );
    addTearDown(() {
      messenger.setMockMethodCallHandler(_methods, null);
      messenger.setMockStreamHandler(_events, null);
    });
  }

  static const MethodChannel _methods = MethodChannel(Channels.methods);
  static const EventChannel _events = EventChannel(Channels.events);

  final String scenario;
  final List<Map<String, Object?>> _entries;
  int _position = 0;
  MockStreamHandlerEventSink? _sink;
  final Completer<void> _cancelArrived = Completer<void>();
  final Completer<void> _waitingForCancel = Completer<void>();

  /// What went wrong on the native side of the replay (the test checks it is empty).
  final List<String> mismatches = <String>[];

  /// Completes when a call the recording saw cancelled is pending, waiting for its `cancel`.
  Future<void> get waitingForCancel => _waitingForCancel.future;

  /// Whether every recorded message was sent, and nothing else.
  void expectFinished() {
    expect(mismatches, isEmpty);
    expect(_position, _entries.length, reason: '$scenario: ${_entries.length - _position} recorded messages not sent');
  }

  Future<Object?> _handle(MethodCall call) async {
    if (_position >= _entries.length) {
      mismatches.add('unexpected extra message ${call.method}');
      throw PlatformException(code: ErrorCodes.badMessage, message: 'replay: extra message');
    }
    final entry = _entries[_position++];
    final args = _json(call.arguments);
    if (call.method != entry['method'] || !_deepEquals(args, entry['args'])) {
      mismatches.add('message $_position: sent ${call.method} $args, recorded ${entry['method']} ${entry['args']}');
    }
    final unknown = (args! as Map<String, Object?>).keys.toSet().difference(methodArguments[call.method] ?? <String>{});
    if (unknown.isNotEmpty) mismatches.add('${call.method}: arguments not in channel.json: $unknown');
    for (final event in (entry['events'] as List<Object?>?) ?? const <Object?>[]) {
      _sink?.success(event);
    }
    if (call.method == Methods.cancel && !_cancelArrived.isCompleted) _cancelArrived.complete();
    final error = entry['error'] as Map<String, Object?>?;
    if (error != null) {
      // A call the recording saw end in Cancelled ended because a cancel came: it waits for that cancel here too.
      if (error['code'] == ErrorCodes.cancelled) {
        _waitingForCancel.complete();
        await _cancelArrived.future;
      }
      throw PlatformException(
        code: error['code']! as String,
        message: error['message'] as String?,
        details: <String, Object?>{...error}..remove('code')..remove('message'),
      );
    }
    final result = <String, Object?>{...(entry['result']! as Map<String, Object?>)};
    if (result[Keys.chunk] case final String chunk) result[Keys.chunk] = base64Decode(chunk);
    return result;
  }

  /// A channel value as the recording writes it: bytes as base64, maps with string keys.
  static Object? _json(Object? value) => switch (value) {
        final Uint8List bytes => base64Encode(bytes),
        final Map<Object?, Object?> map => <String, Object?>{
            for (final e in map.entries) e.key! as String: _json(e.value),
          },
        final List<Object?> list => <Object?>[for (final item in list) _json(item)],
        _ => value,
      };

  static bool _deepEquals(Object? a, Object? b) => switch ((a, b)) {
        (final Map<Object?, Object?> x, final Map<Object?, Object?> y) =>
          x.length == y.length && x.keys.every((k) => y.containsKey(k) && _deepEquals(x[k], y[k])),
        (final List<Object?> x, final List<Object?> y) =>
          x.length == y.length && <int>[for (var i = 0; i < x.length; i++) i].every((i) => _deepEquals(x[i], y[i])),
        _ => a == b,
      };
}
