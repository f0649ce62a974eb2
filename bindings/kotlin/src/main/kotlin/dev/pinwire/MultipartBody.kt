package dev.pinwire

import dev.pinwire.ffi.MultipartPart
import dev.pinwire.ffi.multipartFraming

/**
 * A `multipart/form-data` body (an HTML form with files), like OkHttp's `MultipartBody`:
 *
 * ```
 * val form = MultipartBody.Builder()
 *     .addFormDataPart("title", "Holidays")
 *     .addFormDataPart("photo", "beach.jpg", file.asRequestBody("image/jpeg"))
 *     .build()
 * client.execute(Request.post(url, form))
 * ```
 *
 * The encoding (boundary, part headers, the quoting of names) is the Rust core's, the same for every
 * platform; the parts are read as they are sent, so a form with a large file streams too. The boundary
 * is random. The length is known when every part's is (then `Content-Length` is sent).
 */
class MultipartBody private constructor(
    /** The parts, in order. */
    val parts: List<Part>,
    private val heads: List<ByteArray>,
    private val tail: ByteArray,
    /** The boundary between the parts (random). */
    val boundary: String,
    override val contentType: String,
    override val contentLength: Long,
) : RequestBody() {
    override suspend fun writeTo(sink: BodySink) {
        for ((head, part) in heads.zip(parts)) {
            sink.write(head)
            part.body.writeTo(sink)
        }
        sink.write(tail)
    }

    /** One part: a form field [name], for a file its [filename], and its [body] (whose content type it carries). */
    class Part(val name: String, val filename: String?, val body: RequestBody)

    /** Builds a [MultipartBody]. */
    class Builder {
        private val parts = mutableListOf<Part>()

        /** A text field. */
        fun addFormDataPart(name: String, value: String) = addFormDataPart(name, null, RequestBody.create(value, null))

        /** A field with a body: a file upload when [filename] is given, e.g. `file.asRequestBody("image/png")`. */
        fun addFormDataPart(name: String, filename: String?, body: RequestBody) = apply { parts += Part(name, filename, body) }

        /**
         * The body.
         *
         * @throws InvalidConfigException for a part content type that is no valid header value.
         */
        @Throws(InvalidConfigException::class)
        fun build(): MultipartBody {
            val parts = parts.toList()
            val framing = ffiCall("multipart body") {
                multipartFraming(
                    parts.map { part ->
                        MultipartPart(
                            name = part.name,
                            filename = part.filename,
                            contentType = part.body.contentType,
                            length = part.body.contentLength.takeIf { it >= 0 }?.toULong(),
                        )
                    },
                )
            }
            return MultipartBody(
                parts = parts,
                heads = framing.heads,
                tail = framing.tail,
                boundary = framing.boundary,
                contentType = framing.contentType,
                contentLength = framing.contentLength?.toLong() ?: -1,
            )
        }
    }
}
