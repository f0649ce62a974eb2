// Pin events: every pin decision of a client's TLS handshakes, from the native side's listener.
import { field, type Message, optionalNumber, optionalString, stringList } from './messages';

/** What happened in one pin check. */
export type PinOutcome = 'matched' | 'mismatch' | 'overridden' | 'expired';

/** One pin decision, made during a TLS handshake with a host a pin rule covers. */
export interface PinEvent {
  readonly host: string;
  readonly port: number | undefined;
  /** The pattern of the rule that applied. */
  readonly pattern: string;
  readonly includeSubdomains: boolean;
  /** Whether a mismatch fails the connection (false: the rule is report-only). */
  readonly enforced: boolean;
  readonly outcome: PinOutcome;
  /** The pin that matched, for `matched`. */
  readonly matchedPin: string | undefined;
  /** Whether the handshake was allowed to go on. */
  readonly allowed: boolean;
  readonly expectedPins: readonly string[];
  /** The validated chain's pins, leaf first, trust anchor last. */
  readonly chainPins: readonly string[];
  readonly chainSubjects: readonly string[];
  /** When the rule's pins stop being enforced, if ever. */
  readonly expiresAt: Date | undefined;
  /** When the decision was made. */
  readonly at: Date;
}

export type PinEventListener = (event: PinEvent) => void;

/** A listener registration; `remove()` ends it. */
export interface Subscription {
  remove(): void;
}

const OUTCOMES: readonly PinOutcome[] = ['matched', 'mismatch', 'overridden', 'expired'];

/** A pin decision's name; one this version does not know is a protocol error, never read as another. */
function pinOutcome(name: string): PinOutcome {
  const known = OUTCOMES.find((o) => o === name);
  if (known === undefined) {
    throw new TypeError(`pinEvent: unknown outcome ${JSON.stringify(name)}`);
  }
  return known;
}

/** The event of a `pinEvent` message. */
export function pinEventFromMessage(m: Message): PinEvent {
  const outcome = field(m, 'outcome', 'string');
  const expires = optionalNumber(m, 'expiresAtMs');
  return {
    host: field(m, 'host', 'string'),
    port: optionalNumber(m, 'port'),
    pattern: field(m, 'pattern', 'string'),
    includeSubdomains: field(m, 'includeSubdomains', 'boolean'),
    enforced: field(m, 'enforced', 'boolean'),
    outcome: pinOutcome(outcome),
    matchedPin: optionalString(m, 'matchedPin'),
    allowed: field(m, 'allowed', 'boolean'),
    expectedPins: stringList(m, 'expectedPins'),
    chainPins: stringList(m, 'chainPins'),
    chainSubjects: stringList(m, 'chainSubjects'),
    expiresAt: expires === undefined ? undefined : new Date(expires),
    at: new Date(field(m, 'atMs', 'number')),
  };
}
