// GENERATED from channel.json by the Flutter shim's JVM tests (scripts/test-flutter.sh): do not edit.
// After a change to channel.json, PINWIRE_UPDATE_FIXTURES=1 scripts/test-flutter.sh rewrites it.

/// The names of the plugin's channels.
abstract final class Channels {
  static const String methods = 'dev.pinwire/bridge';
  static const String events = 'dev.pinwire/events';
}

/// The host bridge's methods.
abstract final class Methods {
  static const String createClient = 'createClient';
  static const String newCall = 'newCall';
  static const String execute = 'execute';
  static const String readChunk = 'readChunk';
  static const String cancel = 'cancel';
  static const String closeCall = 'closeCall';
  static const String closeClient = 'closeClient';
  static const String openHandles = 'openHandles';
}

/// The arguments each method accepts (the native shims refuse any other).
const Map<String, Set<String>> methodArguments = <String, Set<String>>{
  Methods.createClient: <String>{'pins', 'config', 'configName', 'configDebuggable', 'trustedRootsPem', 'includePlatformTrust', 'dangerousAllowSinglePin', 'connectTimeoutMs', 'readTimeoutMs', 'callTimeoutMs', 'maxRedirects', 'http1Only', 'resolve', 'userAgent', 'proxy'},
  Methods.newCall: <String>{'client', 'url', 'method', 'headers', 'body', 'callTimeoutMs'},
  Methods.execute: <String>{'call'},
  Methods.readChunk: <String>{'call'},
  Methods.cancel: <String>{'call'},
  Methods.closeCall: <String>{'call'},
  Methods.closeClient: <String>{'client'},
  Methods.openHandles: <String>{},
};

/// The error codes (`PlatformException.code`).
abstract final class ErrorCodes {
  static const String pinMismatch = 'PinMismatch';
  static const String untrustedCertificate = 'UntrustedCertificate';
  static const String hostnameMismatch = 'HostnameMismatch';
  static const String cleartextNotPermitted = 'CleartextNotPermitted';
  static const String timeout = 'Timeout';
  static const String connect = 'Connect';
  static const String protocol = 'Protocol';
  static const String tooManyRedirects = 'TooManyRedirects';
  static const String decodedBodyTooLarge = 'DecodedBodyTooLarge';
  static const String invalidConfig = 'InvalidConfig';
  static const String invalidUrl = 'InvalidUrl';
  static const String closed = 'Closed';
  static const String cancelled = 'Cancelled';
  static const String badMessage = 'BadMessage';
  static const String unknownHandle = 'UnknownHandle';
  static const String internal = 'Internal';
}

/// The fields each error carries (`PlatformException.details`).
const Map<String, Set<String>> errorFields = <String, Set<String>>{
  ErrorCodes.pinMismatch: <String>{'host', 'port', 'pattern', 'expectedPins', 'chainPins', 'chainSubjects'},
  ErrorCodes.untrustedCertificate: <String>{'host', 'reason'},
  ErrorCodes.hostnameMismatch: <String>{'host'},
  ErrorCodes.cleartextNotPermitted: <String>{'host', 'url'},
  ErrorCodes.timeout: <String>{'kind', 'url'},
  ErrorCodes.connect: <String>{'url'},
  ErrorCodes.protocol: <String>{'url'},
  ErrorCodes.tooManyRedirects: <String>{'url', 'maxRedirects'},
  ErrorCodes.decodedBodyTooLarge: <String>{'url', 'decodedBytes', 'compressedBytes'},
  ErrorCodes.invalidConfig: <String>{},
  ErrorCodes.invalidUrl: <String>{'url'},
  ErrorCodes.closed: <String>{'what'},
  ErrorCodes.cancelled: <String>{},
  ErrorCodes.badMessage: <String>{},
  ErrorCodes.unknownHandle: <String>{'kind', 'id'},
  ErrorCodes.internal: <String>{'reason'},
};

/// The names of the events on the event channel.
abstract final class Events {
  static const String pinEvent = 'pinEvent';
}

/// Every key of the messages.
abstract final class Keys {
  static const String allowed = 'allowed';
  static const String atMs = 'atMs';
  static const String body = 'body';
  static const String call = 'call';
  static const String callTimeoutMs = 'callTimeoutMs';
  static const String calls = 'calls';
  static const String cancelled = 'cancelled';
  static const String chainPins = 'chainPins';
  static const String chainSubjects = 'chainSubjects';
  static const String chunk = 'chunk';
  static const String client = 'client';
  static const String clients = 'clients';
  static const String closed = 'closed';
  static const String compressedBytes = 'compressedBytes';
  static const String config = 'config';
  static const String configDebuggable = 'configDebuggable';
  static const String configName = 'configName';
  static const String connectTimeoutMs = 'connectTimeoutMs';
  static const String dangerousAllowSinglePin = 'dangerousAllowSinglePin';
  static const String decodedBytes = 'decodedBytes';
  static const String done = 'done';
  static const String enforced = 'enforced';
  static const String event = 'event';
  static const String expectedPins = 'expectedPins';
  static const String expiresAtMs = 'expiresAtMs';
  static const String headers = 'headers';
  static const String host = 'host';
  static const String http1Only = 'http1Only';
  static const String id = 'id';
  static const String includePlatformTrust = 'includePlatformTrust';
  static const String includeSubdomains = 'includeSubdomains';
  static const String kind = 'kind';
  static const String matchedPin = 'matchedPin';
  static const String maxRedirects = 'maxRedirects';
  static const String method = 'method';
  static const String outcome = 'outcome';
  static const String pattern = 'pattern';
  static const String pins = 'pins';
  static const String port = 'port';
  static const String proxy = 'proxy';
  static const String readTimeoutMs = 'readTimeoutMs';
  static const String reason = 'reason';
  static const String reportOnly = 'reportOnly';
  static const String resolve = 'resolve';
  static const String status = 'status';
  static const String trustedRootsPem = 'trustedRootsPem';
  static const String url = 'url';
  static const String userAgent = 'userAgent';
  static const String version = 'version';
  static const String what = 'what';
}
