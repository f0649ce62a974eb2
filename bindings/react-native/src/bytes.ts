// Bytes over the bridge (base64, with the base64-js package React Native itself depends on) and UTF-8 text.
// UTF-8 is done here rather than with TextDecoder, which Hermes does not provide; decoding follows the
// WHATWG Encoding standard (each invalid sequence becomes one U+FFFD), as fetch's `text()` does.
import { fromByteArray, toByteArray } from 'base64-js';

export function toBase64(bytes: Uint8Array): string {
  return fromByteArray(bytes);
}

export function fromBase64(text: string): Uint8Array {
  return toByteArray(text);
}

/** UTF-8 bytes of `text`; a lone surrogate becomes U+FFFD, as TextEncoder does. */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Text of UTF-8 `bytes`, as `new TextDecoder().decode(bytes)` gives it (a leading BOM is dropped). */
export function utf8Decode(bytes: Uint8Array): string {
  const units: number[] = [];
  let text = '';
  let codePoint = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  const emit = (cp: number): void => {
    if (cp > 0xffff) {
      const v = cp - 0x10000;
      units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length > 8192) {
      text += String.fromCharCode(...units);
      units.length = 0;
    }
  };
  let i = 0;
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (i = start; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (needed === 0) {
      if (b <= 0x7f) emit(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        codePoint = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
        codePoint = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        codePoint = b & 0x7;
      } else emit(0xfffd);
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence broke off: one U+FFFD for it, and this byte starts over.
      codePoint = needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      emit(0xfffd);
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    codePoint = (codePoint << 6) | (b & 0x3f);
    seen++;
    if (seen === needed) {
      emit(codePoint);
      codePoint = needed = seen = 0;
    }
  }
  if (needed !== 0) emit(0xfffd);
  return text + String.fromCharCode(...units);
}
