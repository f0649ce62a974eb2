import 'dart:async';

import 'package:flutter/services.dart';

import 'channel.g.dart';
import 'errors.dart';

/// The plugin's two channels, shared by every client: calls to the native host bridge, and its events.
final class PinwireHost {
  PinwireHost._();

  /// The one instance (the native side keeps one bridge per Flutter engine).
  static final PinwireHost instance = PinwireHost._();

  static const MethodChannel _methods = MethodChannel(Channels.methods);
  static const EventChannel _events = EventChannel(Channels.events);

  Stream<Map<Object?, Object?>>? _pinEvents;

  /// Sends one message; its result, or its error as a [PinwireException].
  Future<Map<String, Object?>> call(String method, Map<String, Object?> args) async {
    final Map<String, Object?>? result;
    try {
      result = await _methods.invokeMapMethod<String, Object?>(method, args);
    } on PlatformException catch (e) {
      throw exceptionFromError(e.code, e.message ?? e.code, e.details);
    }
    if (result == null) {
      throw PinwireBridgeException(ErrorCodes.internal, 'pinwire: the plugin answered $method with nothing');
    }
    return result;
  }

  /// The bodies of every client's pin events (one native listener, shared).
  Stream<Map<Object?, Object?>> get pinEvents => _pinEvents ??= _events
      .receiveBroadcastStream()
      .where((Object? e) => e is Map<Object?, Object?> && e[Keys.event] == Events.pinEvent)
      .map((Object? e) => (e! as Map<Object?, Object?>)[Keys.body])
      .where((Object? body) => body is Map<Object?, Object?>)
      .cast<Map<Object?, Object?>>();
}
