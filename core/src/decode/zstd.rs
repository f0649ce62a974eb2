//! zstd (RFC 8878) bodies, decoded by `ruzstd`, a decoder written in Rust, so that every platform (the
//! Android and iOS builds too) decodes them with the same code.
//!
//! `ruzstd` reads its input from a blocking `Read`; here the compressed bytes are collected from the
//! network first and handed to it one whole unit at a time (a frame header, a block with its checksum),
//! so it never waits and never sees half a unit. At most one block (128 KiB) of compressed bytes is held.
//!
//! Decoded bytes are handed over as `ruzstd` releases them: inside a frame it keeps the last window of
//! output (the history later blocks may copy from) until more follows or the frame ends, so a zstd body
//! reaches the caller up to one window (at most [`MAX_WINDOW`]) behind what has been decoded.
//!
//! What a server may send: one or more frames, skippable frames among them (their content is ignored),
//! each frame's window at most [`MAX_WINDOW`]; its checksum and content size, when it has them, must
//! match. Anything else (a truncated frame, bytes after the last frame that are not a frame) fails.

use ruzstd::decoding::errors::FrameDecoderError;
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use std::io::{self, Read as _};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};

/// The largest window a frame may declare: RFC 9659 has HTTP's zstd decoders support windows up to
/// 8 MiB and lets them refuse larger ones, so a server cannot make the client allocate more.
pub(crate) const MAX_WINDOW: u64 = 8 * 1024 * 1024;

/// A zstd frame's magic number.
const FRAME_MAGIC: u32 = 0xFD2F_B528;
/// A skippable frame's magic number, its low four bits being any value.
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
/// The largest block the format allows.
const MAX_BLOCK: usize = 128 * 1024;

/// Where the decoder is in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between frames: a frame (zstd or skippable) or the end of the body comes next.
    Between,
    /// Inside a skippable frame, with this many bytes left to skip.
    Skipping(u64),
    /// Inside a zstd frame: a block comes next.
    Blocks,
    /// A zstd frame's last block is decoded: its output is handed over, then the frame checked.
    Ending,
    /// The body ended after a whole frame.
    Done,
}

/// What the frame being decoded declared.
#[derive(Clone, Copy, Debug, Default)]
struct Frame {
    /// It ends with a checksum of its content.
    checksum: bool,
    /// Its content size, when it declares one.
    content_size: Option<u64>,
    /// The decoded bytes handed over so far.
    decoded: u64,
}

/// Decodes a zstd body read from `reader` (the compressed bytes) as an `AsyncRead`.
pub(crate) struct ZstdDecoder<R> {
    reader: R,
    /// Compressed bytes of the unit being collected, never more than the unit needs.
    input: Vec<u8>,
    decoder: FrameDecoder,
    state: State,
    frame: Frame,
    /// Frames begun, skippable ones included: a body has at least one.
    frames: u64,
}

/// What a step of the decoder needs.
enum Step {
    /// It went on with what it had.
    Done,
    /// It needs this many bytes in `input` to go on.
    Need(usize),
}

impl<R> ZstdDecoder<R> {
    pub(crate) fn new(reader: R) -> ZstdDecoder<R> {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_window_size(MAX_WINDOW);
        ZstdDecoder {
            reader,
            input: Vec::new(),
            decoder,
            state: State::Between,
            frame: Frame::default(),
            frames: 0,
        }
    }

    /// Goes on with the compressed bytes in `input`, or says how many it needs (skipping aside).
    fn step(&mut self) -> io::Result<Step> {
        match self.state {
            State::Between => self.begin_frame(),
            State::Blocks => self.decode_block(),
            State::Ending => self.end_frame().map(|()| Step::Done),
            // The poll loop consumes skipped bytes itself and never steps a finished body.
            State::Skipping(_) | State::Done => Ok(Step::Done),
        }
    }

    /// A frame's header: a skippable frame's length, or a zstd frame's header handed to the decoder.
    fn begin_frame(&mut self) -> io::Result<Step> {
        let Some(magic) = self.input.first_chunk::<4>().map(|m| u32::from_le_bytes(*m)) else {
            return Ok(Step::Need(4));
        };
        if magic & 0xFFFF_FFF0 == SKIPPABLE_MAGIC {
            let Some(length) = self.input.get(4..8) else {
                return Ok(Step::Need(8));
            };
            let length = u32::from_le_bytes([length[0], length[1], length[2], length[3]]);
            self.input.clear();
            self.frames += 1;
            self.state = State::Skipping(u64::from(length));
            return Ok(Step::Done);
        }
        if magic != FRAME_MAGIC {
            return Err(invalid(format!(
                "the data is not a zstd frame (magic number {magic:#010x})"
            )));
        }
        let Some(&descriptor) = self.input.get(4) else {
            return Ok(Step::Need(5));
        };
        if descriptor & 0x08 != 0 {
            return Err(invalid("a frame header sets the reserved bit"));
        }
        let size = header_size(descriptor);
        if self.input.len() < size {
            return Ok(Step::Need(size));
        }
        let mut source = &self.input[..];
        self.decoder.reset(&mut source).map_err(decoder_error)?;
        if !source.is_empty() {
            return Err(invalid("the frame header was not read whole"));
        }
        let single_segment = descriptor & 0x20 != 0;
        let declares_size = descriptor >> 6 != 0 || single_segment;
        self.frame = Frame {
            checksum: descriptor & 0x04 != 0,
            content_size: declares_size.then(|| self.decoder.content_size()),
            decoded: 0,
        };
        self.input.clear();
        self.frames += 1;
        self.state = State::Blocks;
        Ok(Step::Done)
    }

    /// The next block, once it (and the frame's checksum, after the last block) has arrived whole.
    fn decode_block(&mut self) -> io::Result<Step> {
        let Some(header) = self.input.first_chunk::<3>() else {
            return Ok(Step::Need(3));
        };
        let header = u32::from(header[0]) | u32::from(header[1]) << 8 | u32::from(header[2]) << 16;
        let last = header & 1 == 1;
        let size = (header >> 3) as usize;
        if size > MAX_BLOCK {
            return Err(invalid(format!("a block of {size} bytes is larger than 128 KiB")));
        }
        // A run-length block is one byte on the wire, repeated `size` times; the reserved type is
        // refused by the decoder.
        let on_wire = if (header >> 1) & 3 == 1 { 1 } else { size };
        let need = 3 + on_wire + if last && self.frame.checksum { 4 } else { 0 };
        if self.input.len() < need {
            return Ok(Step::Need(need));
        }
        let mut source = &self.input[..];
        self.decoder
            .decode_blocks(&mut source, BlockDecodingStrategy::UptoBlocks(1))
            .map_err(decoder_error)?;
        if !source.is_empty() || last != self.decoder.is_finished() {
            return Err(invalid("a block was not read whole"));
        }
        self.input.clear();
        if last {
            self.state = State::Ending;
        }
        Ok(Step::Done)
    }

    /// A frame whose output has all been handed over: its checksum and size checked.
    fn end_frame(&mut self) -> io::Result<()> {
        if self.frame.checksum && self.decoder.get_checksum_from_data() != self.decoder.get_calculated_checksum() {
            return Err(invalid("a frame's checksum does not match its content"));
        }
        if let Some(declared) = self.frame.content_size.filter(|size| *size != self.frame.decoded) {
            return Err(invalid(format!(
                "a frame declared {declared} bytes of content and held {}",
                self.frame.decoded
            )));
        }
        self.state = State::Between;
        Ok(())
    }
}

impl<R: AsyncBufRead + Unpin> AsyncRead for ZstdDecoder<R> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            // What the decoder has released first: no more input is read while output waits.
            if matches!(this.state, State::Blocks | State::Ending) && this.decoder.can_collect() > 0 {
                let n = this.decoder.read(buf.initialize_unfilled()).map_err(invalid)?;
                if n > 0 {
                    buf.advance(n);
                    this.frame.decoded += n as u64;
                    return Poll::Ready(Ok(()));
                }
            }
            let need = match this.state {
                State::Done => return Poll::Ready(Ok(())),
                State::Skipping(0) => {
                    this.state = State::Between;
                    continue;
                }
                // Skipped bytes are dropped as they come, never collected.
                State::Skipping(left) => {
                    let available = ready!(Pin::new(&mut this.reader).poll_fill_buf(cx))?;
                    if available.is_empty() {
                        return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                    }
                    let skip = available.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    Pin::new(&mut this.reader).consume(skip);
                    this.state = State::Skipping(left - skip as u64);
                    continue;
                }
                _ => match this.step()? {
                    Step::Done => continue,
                    Step::Need(need) => need,
                },
            };
            let available = ready!(Pin::new(&mut this.reader).poll_fill_buf(cx))?;
            if available.is_empty() {
                if this.state == State::Between && this.input.is_empty() && this.frames > 0 {
                    this.state = State::Done;
                    return Poll::Ready(Ok(()));
                }
                // A truncated frame, or no frame at all.
                return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
            }
            let take = available.len().min(need - this.input.len());
            this.input.extend_from_slice(&available[..take]);
            Pin::new(&mut this.reader).consume(take);
        }
    }
}

/// The size of a zstd frame's header (magic number included) from its descriptor byte (RFC 8878,
/// section 3.1.1.1): how many bytes to collect before the decoder reads it.
fn header_size(descriptor: u8) -> usize {
    let single_segment = descriptor & 0x20 != 0;
    let window = usize::from(!single_segment);
    let dictionary = [0, 1, 2, 4][usize::from(descriptor & 0x03)];
    let content_size = match descriptor >> 6 {
        0 => usize::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    4 + 1 + window + dictionary + content_size
}

fn invalid(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

fn decoder_error(error: FrameDecoderError) -> io::Error {
    match error {
        FrameDecoderError::WindowSizeTooBig { requested, .. } => invalid(format!(
            "a frame's window of {requested} bytes is larger than the {MAX_WINDOW} bytes (8 MiB) HTTP's zstd \
             decoders support"
        )),
        other => invalid(other),
    }
}

#[cfg(test)]
mod tests {
    //! Frames built by hand here (raw and run-length blocks), so that the framing (units collected
    //! whole, frames and skippable frames in a row, every way of ending early) is tested without an
    //! encoder; the compressed blocks of the C encoder are decoded in the integration tests.
    use super::*;
    use bytes::Bytes;
    use tokio::io::AsyncReadExt as _;
    use tokio_util::io::StreamReader;

    /// A frame header: no content size, no checksum, no dictionary, a `2^window_log` window.
    fn header(window_log: u8) -> Vec<u8> {
        let mut out = FRAME_MAGIC.to_le_bytes().to_vec();
        out.extend_from_slice(&[0x00, (window_log - 10) << 3]);
        out
    }

    fn raw_block(data: &[u8], last: bool) -> Vec<u8> {
        let h = (data.len() as u32) << 3 | u32::from(last);
        let mut out = h.to_le_bytes()[..3].to_vec();
        out.extend_from_slice(data);
        out
    }

    fn rle_block(byte: u8, times: u32, last: bool) -> Vec<u8> {
        let h = times << 3 | 1 << 1 | u32::from(last);
        let mut out = h.to_le_bytes()[..3].to_vec();
        out.push(byte);
        out
    }

    fn skippable(content: &[u8]) -> Vec<u8> {
        let mut out = 0x184D_2A5Fu32.to_le_bytes().to_vec();
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(content);
        out
    }

    /// A body of two frames and a skippable frame, and what it decodes to.
    fn two_frames() -> (Vec<u8>, Vec<u8>) {
        let mut body = header(13);
        body.extend(raw_block(b"hello, ", false));
        body.extend(rle_block(b'z', 5000, true));
        body.extend(skippable(b"ignored"));
        body.extend(header(17));
        body.extend(raw_block(b"world", true));
        let mut expected = b"hello, ".to_vec();
        expected.extend(std::iter::repeat_n(b'z', 5000));
        expected.extend_from_slice(b"world");
        (body, expected)
    }

    /// `body` decoded, taken from the network in pieces of `piece` bytes, and the decoded pieces.
    fn decode(body: &[u8], piece: usize) -> io::Result<Vec<Vec<u8>>> {
        let chunks: Vec<io::Result<Bytes>> = body.chunks(piece).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let mut decoder = ZstdDecoder::new(StreamReader::new(futures_util::stream::iter(chunks)));
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        runtime.block_on(async {
            let mut pieces = Vec::new();
            loop {
                let mut buf = vec![0; 1000];
                match decoder.read(&mut buf).await? {
                    0 => return Ok(pieces),
                    n => pieces.push(buf[..n].to_vec()),
                }
            }
        })
    }

    fn decode_all(body: &[u8], piece: usize) -> io::Result<Vec<u8>> {
        decode(body, piece).map(|pieces| pieces.concat())
    }

    #[test]
    fn frames_and_skippable_frames_are_one_body_however_the_bytes_arrive() {
        let (body, expected) = two_frames();
        for piece in [1, 2, 3, 5, 7, 64, body.len()] {
            assert_eq!(decode_all(&body, piece).unwrap(), expected, "pieces of {piece}");
        }
    }

    #[test]
    fn output_comes_in_pieces_the_caller_sizes() {
        let (body, _) = two_frames();
        let pieces = decode(&body, body.len()).unwrap();
        assert!(
            pieces.len() >= 5 && pieces.iter().all(|p| p.len() <= 1000),
            "{:?}",
            pieces.len()
        );
    }

    #[test]
    fn a_body_cut_anywhere_fails_as_truncated() {
        let (body, _) = two_frames();
        // Every cut but the ends of the first frame and the skippable frame (those leave whole frames).
        let first_end = header(13).len() + raw_block(b"hello, ", false).len() + rle_block(b'z', 1, true).len();
        let skip_end = first_end + skippable(b"ignored").len();
        for cut in (0..body.len()).filter(|cut| *cut != first_end && *cut != skip_end) {
            let error = decode_all(&body[..cut], 4).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}: {error}");
        }
        assert!(decode_all(&body[..first_end], 4).is_ok());
    }

    #[test]
    fn bytes_after_the_last_frame_fail() {
        let (mut body, _) = two_frames();
        body.extend_from_slice(b"<html>");
        let error = decode_all(&body, 16).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("not a zstd frame"), "{error}");
        // Fewer bytes than a magic number: the body ended inside what would be a frame.
        let (mut body, _) = two_frames();
        body.extend_from_slice(b"<h");
        assert_eq!(decode_all(&body, 16).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn windows_up_to_8_mib_are_decoded_and_larger_ones_refused_before_any_output() {
        let mut ok = header(23);
        ok.extend(raw_block(b"ok", true));
        assert_eq!(decode_all(&ok, 3).unwrap(), b"ok");
        let mut large = header(24);
        large.extend(raw_block(b"no", true));
        let error = decode_all(&large, 3).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("window of 16777216 bytes"), "{error}");
        // A single-segment frame's window is its content size: 1 GiB declared.
        let mut single = FRAME_MAGIC.to_le_bytes().to_vec();
        single.push(0b1010_0000); // 4-byte content size, single segment
        single.extend_from_slice(&(1u32 << 30).to_le_bytes());
        single.extend(rle_block(0, 1 << 17, true));
        let error = decode_all(&single, 64).unwrap_err();
        assert!(error.to_string().contains("window of 1073741824 bytes"), "{error}");
    }

    #[test]
    fn malformed_headers_and_blocks_fail() {
        let reserved = {
            let mut h = header(10);
            h[4] |= 0x08;
            h.extend(raw_block(b"x", true));
            h
        };
        let too_big = {
            let mut h = header(20);
            h.extend_from_slice(&(((200 * 1024) << 3 | 1) as u32).to_le_bytes()[..3]);
            h
        };
        let reserved_block = {
            let mut h = header(10);
            h.extend_from_slice(&((4u32 << 3) | (3 << 1) | 1).to_le_bytes()[..3]);
            h.extend_from_slice(b"abcd");
            h
        };
        let wrong_size = {
            let mut h = FRAME_MAGIC.to_le_bytes().to_vec();
            h.extend_from_slice(&[0b0010_0000, 3]); // single segment, 1-byte content size: 3
            h.extend(raw_block(b"four", true));
            h
        };
        for (name, body) in [
            ("reserved bit", reserved),
            ("block over 128 KiB", too_big),
            ("reserved block type", reserved_block),
            ("content size", wrong_size),
        ] {
            let error = decode_all(&body, 5).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData, "{name}: {error}");
        }
        assert_eq!(decode_all(b"", 5).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn header_sizes_follow_the_descriptor() {
        assert_eq!(header_size(0x00), 6); // window descriptor only
        assert_eq!(header_size(0x20), 6); // single segment: 1-byte content size, no window descriptor
        assert_eq!(header_size(0x04), 6); // the checksum flag adds nothing to the header
        assert_eq!(header_size(0x03), 10); // 4-byte dictionary id
        assert_eq!(header_size(0x40), 8); // 2-byte content size
        assert_eq!(header_size(0xE3), 4 + 1 + 4 + 8);
    }
}
