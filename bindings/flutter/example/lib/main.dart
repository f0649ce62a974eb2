// The pinwire example: one request to a host whose pins match (it succeeds) and one to a host pinned to keys
// it does not have (it is refused with PinMismatchException during the TLS handshake, before any HTTP is sent).
import 'dart:async';

import 'package:flutter/material.dart';
import 'package:pinwire/pinwire.dart';

// Put example.com's current pins here (README.md shows how to get them with openssl; until then the first
// request is refused too, and its PinMismatchException lists the pins the server really has). Two pins per
// host: a backup key, so that one key rotation cannot lock the app out.
const Map<String, List<String>> pins = <String, List<String>>{
  'example.com': <String>[
    'sha256/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=',
    'sha256/DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD=',
  ],
  // Deliberately wrong: the second request must be refused.
  'www.wikipedia.org': <String>[
    'sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    'sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=',
  ],
};

void main() => runApp(const PinwireExampleApp());

class PinwireExampleApp extends StatefulWidget {
  const PinwireExampleApp({super.key});

  @override
  State<PinwireExampleApp> createState() => _PinwireExampleAppState();
}

class _PinwireExampleAppState extends State<PinwireExampleApp> {
  final List<String> _lines = <String>[];

  @override
  void initState() {
    super.initState();
    unawaited(_run());
  }

  void _log(String line) {
    if (mounted) setState(() => _lines.add(line));
  }

  Future<void> _run() async {
    final client = await PinwireClient.create(
      pins: pins,
      options: const ClientOptions(connectTimeout: Duration(seconds: 10)),
    );
    final events = client.pinEvents.listen((PinEvent e) => _log('pin event: ${e.host} ${e.outcome.name}'));
    try {
      final pinned = await client.get(Uri.parse('https://example.com/'));
      _log('pinned request: ${pinned.statusCode}, ${(await pinned.text()).length} characters');
    } on PinMismatchException catch (e) {
      _log('pinned request refused: put these pins in main.dart: ${e.chainPins.join(', ')}');
    } on PinwireException catch (e) {
      _log('pinned request failed: $e');
    }
    try {
      await client.get(Uri.parse('https://www.wikipedia.org/'));
      _log('refused request: NOT refused (the pins must be wrong)');
    } on PinMismatchException catch (e) {
      _log("refused request: PinMismatchException for ${e.host}; the server's chain has ${e.chainPins.join(', ')}");
    } on PinwireException catch (e) {
      _log('refused request failed otherwise: $e');
    }
    await events.cancel();
    await client.close();
  }

  @override
  Widget build(BuildContext context) {
    return MaterialApp(
      home: Scaffold(
        appBar: AppBar(title: const Text('Pinwire')),
        body: ListView(
          children: <Widget>[for (final line in _lines) ListTile(title: Text(line))],
        ),
      ),
    );
  }
}
