// PinwireHttpClient as package:http's users drive it, against the replayed host bridge (test/replay.dart).
import 'dart:async';
import 'dart:convert';

import 'package:flutter_test/flutter_test.dart';
import 'package:http/http.dart' as http;
import 'package:pinwire/pinwire.dart';
import 'package:pinwire/src/channel.g.dart';
import 'package:pinwire/src/host.dart';

import 'replay.dart';

Future<PinwireClient> testClient({Map<String, List<String>> pins = const <String, List<String>>{}, bool http1Only = false}) =>
    PinwireClient.create(
      pins: pins,
      trustedRootsPem: const <String>['<root PEM: test>'],
      includePlatformTrust: false,
      options: ClientOptions(http1Only: http1Only ? true : null, resolve: <String, String>{host: '127.0.0.1'}),
    );

void main() {
  TestWidgetsFlutterBinding.ensureInitialized();

  test('a pinned POST through package:http, the body streamed back', () async {
    final replay = ReplayHost('pinnedPost');
    final http.Client client = PinwireHttpClient(await testClient(pins: <String, List<String>>{
      host: <String>['sha256/INTERMEDIATE-PIN=', 'sha256/EVIL_ROOT-PIN='],
    }));
    final request = http.Request('POST', url('good', '/echo'))
      ..headers['x-test'] = 'hi'
      ..headers['content-type'] = 'text/plain'
      ..bodyBytes = utf8.encode('hello');
    final streamed = await client.send(request);
    expect(streamed.statusCode, 200);
    expect(streamed.contentLength, 21);
    expect(streamed, isA<http.BaseResponseWithUrl>().having((r) => r.url, 'url', url('good', '/echo')));
    final response = await http.Response.fromStream(streamed);
    expect(response.body, 'POST x-test=hi body=5');
    expect(await PinwireHost.instance.call(Methods.openHandles, <String, Object?>{}), <String, Object?>{'clients': 1, 'calls': 0});
    client.close();
    expect(await PinwireHost.instance.call(Methods.openHandles, <String, Object?>{}), <String, Object?>{'clients': 0, 'calls': 0});
    replay.expectFinished();
  });

  test('a pin mismatch reaches package:http code as a ClientException with its fields', () async {
    final replay = ReplayHost('pinMismatch');
    final pinwire = await testClient(pins: <String, List<String>>{
      host: <String>['sha256/IMPOSTOR_LEAF-PIN=', 'sha256/EVIL_ROOT-PIN='],
    });
    final client = PinwireHttpClient(pinwire, closeClient: false);
    await expectLater(
      client.get(url('good', '/version')),
      throwsA(isA<http.ClientException>().having(
        (e) => (e as PinMismatchException).chainPins,
        'chainPins',
        <String>['sha256/LEAF-PIN=', 'sha256/INTERMEDIATE-PIN=', 'sha256/ROOT-PIN='],
      )),
    );
    await PinwireHost.instance.call(Methods.openHandles, <String, Object?>{});
    client.close();
    expect(pinwire.isClosed, isFalse, reason: 'closeClient: false');
    await pinwire.close();
    replay.expectFinished();
  });

  test('abortTrigger before the head fails send with RequestAbortedException', () async {
    final replay = ReplayHost('cancelBeforeHead');
    final pinwire = await testClient();
    final abort = Completer<void>();
    final client = PinwireHttpClient(pinwire, closeClient: false);
    final pending = client.send(http.AbortableRequest('GET', url('good', '/stall'), abortTrigger: abort.future));
    await replay.waitingForCancel;
    abort.complete();
    await expectLater(pending, throwsA(isA<http.RequestAbortedException>()));
    await pinwire.close();
    replay.expectFinished();
  });

  test('abortTrigger during the body puts RequestAbortedException into the stream', () async {
    final replay = ReplayHost('cancelSlowBody');
    final pinwire = await testClient(http1Only: true);
    final abort = Completer<void>();
    final client = PinwireHttpClient(pinwire, closeClient: false);
    final streamed = await client.send(http.AbortableRequest('GET', url('http1', '/slow-body'), abortTrigger: abort.future));
    final body = StreamIterator<List<int>>(streamed.stream);
    expect(await body.moveNext(), isTrue);
    expect(utf8.decode(body.current), 'first');
    final next = body.moveNext();
    await replay.waitingForCancel;
    abort.complete();
    await expectLater(next, throwsA(isA<http.RequestAbortedException>()));
    await PinwireHost.instance.call(Methods.openHandles, <String, Object?>{});
    await pinwire.close();
    replay.expectFinished();
  });
}
