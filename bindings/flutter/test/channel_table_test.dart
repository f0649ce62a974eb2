// The generated constants against channel.json, the table the Kotlin and Swift shims are tested against too.
import 'dart:convert';
import 'dart:io';

import 'package:flutter_test/flutter_test.dart';
import 'package:pinwire/src/channel.g.dart';

void main() {
  final table = jsonDecode(File('channel.json').readAsStringSync()) as Map<String, Object?>;

  test('channel names, methods and their arguments', () {
    expect(Channels.methods, table['methodChannel']);
    expect(Channels.events, table['eventChannel']);
    final methods = table['methods']! as Map<String, Object?>;
    expect(methodArguments.keys, orderedEquals(methods.keys));
    for (final MapEntry(:key, :value) in methods.entries) {
      expect(methodArguments[key], ((value! as Map<String, Object?>)['args']! as List<Object?>).toSet(), reason: key);
    }
  });

  test('error codes and their fields', () {
    final errors = table['errorFields']! as Map<String, Object?>;
    expect(errorFields.keys, orderedEquals(errors.keys));
    for (final MapEntry(:key, :value) in errors.entries) {
      expect(errorFields[key], (value! as List<Object?>).toSet(), reason: key);
    }
  });
}
