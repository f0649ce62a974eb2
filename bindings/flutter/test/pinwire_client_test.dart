// The Dart API against the replayed host bridge (test/replay.dart): run with `flutter test`.
import 'dart:async';

import 'package:flutter_test/flutter_test.dart';
import 'package:pinwire/pinwire.dart';
import 'package:pinwire/src/channel.g.dart';
import 'package:pinwire/src/host.dart';

import 'replay.dart';

const String rootPem = '<root PEM: test>';

Future<PinwireClient> testClient({Map<String, List<String>> pins = const <String, List<String>>{}, ClientOptions? options}) =>
    PinwireClient.create(
      pins: pins,
      trustedRootsPem: const <String>[rootPem],
      includePlatformTrust: false,
      options: options ?? ClientOptions(resolve: <String, String>{host: '127.0.0.1'}),
    );

Future<Map<String, Object?>> openHandles() => PinwireHost.instance.call(Methods.openHandles, <String, Object?>{});

void main() {
  TestWidgetsFlutterBinding.ensureInitialized();

  test('a pinned POST: the matched pin event, the head, and the body as text', () async {
    final replay = ReplayHost('pinnedPost');
    final client = await testClient(pins: <String, List<String>>{
      host: <String>['sha256/INTERMEDIATE-PIN=', 'sha256/EVIL_ROOT-PIN='],
    });
    final event = client.pinEvents.first;
    final response = await client.post(
      url('good', '/echo'),
      headers: <String, String>{'x-test': 'hi', 'content-type': 'text/plain'},
      body: 'hello',
    );
    expect(response.statusCode, 200);
    expect(response.version, 'HTTP/2.0');
    expect(response.url, url('good', '/echo'));
    expect(response.headers['content-length'], '21');
    final pinned = await event;
    expect(pinned.outcome, PinOutcome.matched);
    expect(pinned.matchedPin, 'sha256/INTERMEDIATE-PIN=');
    expect(pinned.allowed, isTrue);
    expect(pinned.expiresAt, isNull);
    expect(await response.text(), 'POST x-test=hi body=5');
    expect(await openHandles(), <String, Object?>{'clients': 1, 'calls': 0});
    await client.close();
    expect(client.isClosed, isTrue);
    expect(await openHandles(), <String, Object?>{'clients': 0, 'calls': 0});
    await expectLater(client.get(url('good', '/')), throwsA(isA<ClosedException>()));
    replay.expectFinished();
  });

  test('a large body arrives in chunks, as a stream or as bytes', () async {
    final replay = ReplayHost('bytesInChunks');
    final client = await testClient();
    final response = await client.get(url('good', '/pattern/100000'));
    final bytes = await response.bytes();
    expect(bytes.length, 100000);
    expect(bytes[252], 1, reason: 'byte i is i % 251');
    expect(() => response.stream, throwsStateError, reason: 'a body is read once');
    await client.close();
    replay.expectFinished();
  });

  test('a client from a Pinwire JSON configuration', () async {
    final replay = ReplayHost('fromConfig');
    final entries = (fixture['scenarios']! as Map<String, Object?>)['fromConfig']! as List<Object?>;
    final config = ((entries.first! as Map<String, Object?>)['args']! as Map<String, Object?>)['config']! as String;
    final client = await PinwireClient.fromConfig(config, options: ClientOptions(resolve: <String, String>{host: '127.0.0.1'}));
    final response = await client.get(url('good', '/status/404'));
    expect(response.statusCode, 404);
    expect(await response.text(), isEmpty);
    await client.close();
    replay.expectFinished();
  });

  test('a pin mismatch is a PinMismatchException with its fields, and a mismatch event', () async {
    final replay = ReplayHost('pinMismatch');
    final client = await testClient(pins: <String, List<String>>{
      host: <String>['sha256/IMPOSTOR_LEAF-PIN=', 'sha256/EVIL_ROOT-PIN='],
    });
    final event = client.pinEvents.first;
    final error = await client.get(url('good', '/version')).then<Object?>((_) => null, onError: (Object e) => e);
    expect(error, isA<PinMismatchException>());
    final mismatch = error! as PinMismatchException;
    expect(mismatch.code, ErrorCodes.pinMismatch);
    expect(mismatch.host, host);
    expect(mismatch.port, port('good'));
    expect(mismatch.pattern, host);
    expect(mismatch.expectedPins, unorderedEquals(<String>['sha256/IMPOSTOR_LEAF-PIN=', 'sha256/EVIL_ROOT-PIN=']));
    expect(mismatch.chainPins, <String>['sha256/LEAF-PIN=', 'sha256/INTERMEDIATE-PIN=', 'sha256/ROOT-PIN=']);
    expect(mismatch.chainSubjects, hasLength(3));
    expect(mismatch.message, startsWith('Certificate pinning failure!'));
    final refused = await event;
    expect(refused.outcome, PinOutcome.mismatch);
    expect(refused.allowed, isFalse);
    expect(await openHandles(), <String, Object?>{'clients': 1, 'calls': 0});
    await client.close();
    replay.expectFinished();
  });

  test('an untrusted chain and a read timeout are typed exceptions', () async {
    final untrusted = ReplayHost('untrusted');
    var client = await testClient();
    await expectLater(
      client.get(url('untrusted', '/')),
      throwsA(isA<UntrustedCertificateException>()
          .having((e) => e.reason, 'reason', UntrustedReason.unknownIssuer)
          .having((e) => e.host, 'host', host)),
    );
    await client.close();
    untrusted.expectFinished();

    final timeout = ReplayHost('readTimeout');
    client = await testClient(
      options: ClientOptions(readTimeout: const Duration(milliseconds: 300), resolve: <String, String>{host: '127.0.0.1'}),
    );
    await expectLater(
      client.get(url('good', '/stall')),
      throwsA(isA<PinwireTimeoutException>().having((e) => e.kind, 'kind', TimeoutKind.read)),
    );
    await client.close();
    timeout.expectFinished();
  });

  test('cancelling before the head arrives fails the request with RequestCancelledException', () async {
    final replay = ReplayHost('cancelBeforeHead');
    final client = await testClient();
    final token = CancelToken();
    final pending = client.get(url('good', '/stall'), cancelToken: token);
    await replay.waitingForCancel;
    token.cancel();
    await expectLater(pending, throwsA(isA<RequestCancelledException>()));
    await client.close();
    replay.expectFinished();
  });

  test('cancelling during the body ends the stream with RequestCancelledException', () async {
    final replay = ReplayHost('cancelSlowBody');
    final client = await testClient(
      options: ClientOptions(http1Only: true, resolve: <String, String>{host: '127.0.0.1'}),
    );
    final token = CancelToken();
    final response = await client.get(url('http1', '/slow-body'), cancelToken: token);
    final body = StreamIterator<List<int>>(response.stream);
    expect(await body.moveNext(), isTrue);
    expect(String.fromCharCodes(body.current), 'first');
    final next = body.moveNext();
    await replay.waitingForCancel;
    token.cancel();
    await expectLater(next, throwsA(isA<RequestCancelledException>()));
    expect(await openHandles(), <String, Object?>{'clients': 1, 'calls': 0});
    await client.close();
    replay.expectFinished();
  });

  test('a single pin is refused with InvalidConfigException', () async {
    final replay = ReplayHost('invalidConfig');
    await expectLater(
      testClient(pins: <String, List<String>>{host: <String>['sha256/LEAF-PIN=']}),
      throwsA(isA<InvalidConfigException>()),
    );
    expect(await openHandles(), <String, Object?>{'clients': 0, 'calls': 0});
    replay.expectFinished();
  });
}
