import 'dart:async';

/// Cancels requests: pass it to `send`, `get` or `post`, then call [cancel]. A request in flight (its head or
/// its body) is dropped on the native side and fails with `RequestCancelledException`.
final class CancelToken {
  /// A token cancelled by [cancel].
  CancelToken();

  /// A token cancelled when [trigger] completes (how `package:http`'s `abortTrigger` is followed).
  CancelToken.when(Future<void> trigger) {
    trigger.then((_) => cancel(), onError: (Object _) => cancel());
  }

  final Completer<void> _cancelled = Completer<void>();

  /// Whether [cancel] was called.
  bool get isCancelled => _cancelled.isCompleted;

  /// Completes when the token is cancelled.
  Future<void> get whenCancelled => _cancelled.future;

  /// Cancels every request this token was given to; calling it again does nothing.
  void cancel() {
    if (!_cancelled.isCompleted) _cancelled.complete();
  }
}
