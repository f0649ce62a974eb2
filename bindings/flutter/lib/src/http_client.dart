import 'package:http/http.dart' as http;

import 'cancel.dart';
import 'client.dart';
import 'errors.dart';
import 'response.dart';

/// A `package:http` client over a [PinwireClient]: apps (and dio, through its `http`-backed adapter) switch
/// to pinned requests by changing the line that makes their client.
///
/// ```dart
/// final http.Client client = PinwireHttpClient(await PinwireClient.fromConfig(json));
/// ```
///
/// The response body is streamed from the native side as it arrives. The request body is collected before
/// the request is sent (the host bridge takes it in one message). A request that is `http.Abortable` is
/// cancelled for real when its `abortTrigger` completes, and fails with `http.RequestAbortedException`.
/// Redirects follow the [PinwireClient]'s `maxRedirects`, not the request's `followRedirects`.
/// Every failure is an `http.ClientException`: Pinwire's are [PinwireException]s with their fields.
class PinwireHttpClient extends http.BaseClient {
  /// Sends through [client]; [close] closes it too unless [closeClient] is false.
  PinwireHttpClient(this.client, {this.closeClient = true});

  /// The Pinwire client the requests go through.
  final PinwireClient client;

  /// Whether [close] closes [client].
  final bool closeClient;

  @override
  Future<http.StreamedResponse> send(http.BaseRequest request) async {
    final trigger = request is http.Abortable ? request.abortTrigger : null;
    final body = await request.finalize().toBytes();
    final PinwireResponse response;
    try {
      response = await client.send(
        PinwireRequest(
          request.method,
          request.url,
          headers: <(String, String)>[for (final h in request.headers.entries) (h.key, h.value)],
          body: body.isEmpty ? null : body,
        ),
        cancelToken: trigger == null ? null : CancelToken.when(trigger),
      );
    } on RequestCancelledException {
      throw http.RequestAbortedException(request.url);
    }
    final headers = response.headers;
    return _PinwireStreamedResponse(
      response.stream.handleError(
        (Object _) => throw http.RequestAbortedException(request.url),
        test: (Object? e) => e is RequestCancelledException,
      ),
      response.statusCode,
      url: response.url,
      request: request,
      headers: headers,
      // A body the core decoded (content-encoding) is not as long as the header says.
      contentLength: headers.containsKey('content-encoding') ? null : int.tryParse(headers['content-length'] ?? ''),
    );
  }

  @override
  void close() {
    if (closeClient) client.close().ignore();
  }
}

/// A streamed response that also tells its final URL (after redirects), as `package:http`'s own do.
class _PinwireStreamedResponse extends http.StreamedResponse implements http.BaseResponseWithUrl {
  _PinwireStreamedResponse(
    super.stream,
    super.statusCode, {
    required this.url,
    super.request,
    super.headers,
    super.contentLength,
  });

  @override
  final Uri url;
}
