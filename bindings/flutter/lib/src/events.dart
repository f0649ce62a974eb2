import 'channel.g.dart';

/// What happened in one pin check.
enum PinOutcome { matched, mismatch, overridden, expired }

/// One pin decision, made during a TLS handshake with a host a pin rule covers.
final class PinEvent {
  const PinEvent({
    required this.host,
    required this.port,
    required this.pattern,
    required this.includeSubdomains,
    required this.enforced,
    required this.outcome,
    required this.matchedPin,
    required this.allowed,
    required this.expectedPins,
    required this.chainPins,
    required this.chainSubjects,
    required this.expiresAt,
    required this.at,
  });

  /// The event of a `pinEvent` message; a field of the wrong type is a [FormatException].
  factory PinEvent.fromMessage(Map<Object?, Object?> m) {
    T field<T>(String key) => switch (m[key]) {
          final T value => value,
          final other => throw FormatException('pinwire: pinEvent field $key has the wrong type', other),
        };
    List<String> strings(String key) => List<String>.unmodifiable(<String>[
          for (final item in field<List<Object?>>(key))
            item is String ? item : throw FormatException('pinwire: pinEvent field $key holds a non-string', item),
        ]);
    final outcome = PinOutcome.values.asNameMap()[field<String>(Keys.outcome)];
    if (outcome == null) throw FormatException('pinwire: unknown pin outcome', m[Keys.outcome]);
    final expires = field<int?>(Keys.expiresAtMs);
    return PinEvent(
      host: field<String>(Keys.host),
      port: field<int?>(Keys.port),
      pattern: field<String>(Keys.pattern),
      includeSubdomains: field<bool>(Keys.includeSubdomains),
      enforced: field<bool>(Keys.enforced),
      outcome: outcome,
      matchedPin: field<String?>(Keys.matchedPin),
      allowed: field<bool>(Keys.allowed),
      expectedPins: strings(Keys.expectedPins),
      chainPins: strings(Keys.chainPins),
      chainSubjects: strings(Keys.chainSubjects),
      expiresAt: expires == null ? null : DateTime.fromMillisecondsSinceEpoch(expires, isUtc: true),
      at: DateTime.fromMillisecondsSinceEpoch(field<int>(Keys.atMs), isUtc: true),
    );
  }

  final String host;
  final int? port;

  /// The pattern of the rule that applied.
  final String pattern;
  final bool includeSubdomains;

  /// Whether a mismatch fails the connection (false: the rule is report-only).
  final bool enforced;
  final PinOutcome outcome;

  /// The pin that matched, for [PinOutcome.matched].
  final String? matchedPin;

  /// Whether the handshake was allowed to go on.
  final bool allowed;
  final List<String> expectedPins;

  /// The validated chain's pins, leaf first, trust anchor last.
  final List<String> chainPins;
  final List<String> chainSubjects;

  /// When the rule's pins stop being enforced, if ever.
  final DateTime? expiresAt;

  /// When the decision was made.
  final DateTime at;

  @override
  String toString() => 'PinEvent($host, $outcome, allowed: $allowed)';
}
