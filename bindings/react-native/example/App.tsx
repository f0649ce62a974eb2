// The react-native-pinwire example: one request to a host whose pins match (it succeeds) and one to a host
// pinned to keys it does not have (it is refused with PinMismatchError, before any HTTP is sent).
import React, { useEffect, useState } from 'react';
import { SafeAreaView, ScrollView, Text } from 'react-native';
import { createClient, PinMismatchError, type PinEvent } from 'react-native-pinwire';

// Put example.com's current pins here (README.md shows how to get them with openssl; until then the first
// request is refused too, and its PinMismatchError lists the pins the server really has). Two pins per host:
// a backup key, so that one key rotation cannot lock the app out.
const PINS = {
  'example.com': [
    'sha256/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC=',
    'sha256/DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD=',
  ],
  // Deliberately wrong: the second request must be refused.
  'www.wikipedia.org': [
    'sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    'sha256/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=',
  ],
};

export default function App(): React.JSX.Element {
  const [lines, setLines] = useState<string[]>([]);

  useEffect(() => {
    const log = (line: string): void => setLines((previous) => [...previous, line]);
    let closed = false;
    void (async () => {
      const client = await createClient({ pins: PINS, connectTimeoutMs: 10_000 });
      const events = client.addPinEventListener((e: PinEvent) => log(`pin event: ${e.host} ${e.outcome}`));
      try {
        const pinned = await client.fetch('https://example.com/');
        log(`pinned request: ${pinned.status}, ${(await pinned.text()).length} characters`);
      } catch (e) {
        log(e instanceof PinMismatchError ? `pinned request refused: put these pins in App.tsx: ${e.chainPins.join(', ')}` : `pinned request failed: ${String(e)}`);
      }
      try {
        await client.fetch('https://www.wikipedia.org/');
        log('refused request: NOT refused (the pins must be wrong)');
      } catch (e) {
        if (e instanceof PinMismatchError) {
          log(`refused request: PinMismatchError for ${e.host}; the server's chain has ${e.chainPins.join(', ')}`);
        } else {
          log(`refused request failed otherwise: ${String(e)}`);
        }
      }
      events.remove();
      if (!closed) await client.close();
    })();
    return () => {
      closed = true;
    };
  }, []);

  return (
    <SafeAreaView>
      <ScrollView>
        {lines.map((line, i) => (
          <Text key={i}>{line}</Text>
        ))}
      </ScrollView>
    </SafeAreaView>
  );
}
