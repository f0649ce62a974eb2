/// HTTPS with TLS public-key pinning, from Pinwire's Rust core on Android and iOS.
///
/// Build a [PinwireClient] from pins or a Pinwire JSON configuration, or wrap one in a [PinwireHttpClient] to
/// use it through `package:http`.
library;

export 'src/cancel.dart' show CancelToken;
export 'src/client.dart' show ClientOptions, PinRule, PinwireClient, PinwireRequest;
export 'src/errors.dart' hide exceptionFromError;
export 'src/events.dart' show PinEvent, PinOutcome;
export 'src/http_client.dart' show PinwireHttpClient;
export 'src/response.dart' show PinwireResponse;
