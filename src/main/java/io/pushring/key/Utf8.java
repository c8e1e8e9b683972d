package io.pushring.key;

/**
 * Strict UTF-8 exactly as Go's {@code unicode/utf8} decodes it: no overlong forms, no surrogates,
 * nothing above U+10FFFF. Java's own decoders are not used because they replace instead of report.
 */
final class Utf8 {
  private Utf8() {}

  /** True when b[from, to) is valid UTF-8 (Go's {@code utf8.Valid}). */
  static boolean isValid(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      if (b[i] >= 0) { // ASCII fast path
        i++;
        continue;
      }
      long r = decode(b, i, to);
      if (r < 0) return false;
      i += width(r);
    }
    return true;
  }

  /**
   * Decodes the multi-byte sequence starting at b[i] (b[i] >= 0x80).
   * @return the rune in the low 32 bits and its width in bits 32..39, or -1 when invalid
   */
  static long decode(byte[] b, int i, int to) {
    int c0 = b[i] & 0xff;
    int w;
    int lo = 0x80;
    int hi = 0xbf;
    int r;
    if (c0 >= 0xc2 && c0 <= 0xdf) {
      w = 2;
      r = c0 & 0x1f;
    } else if (c0 >= 0xe0 && c0 <= 0xef) {
      w = 3;
      r = c0 & 0x0f;
      if (c0 == 0xe0) lo = 0xa0; // overlong
      if (c0 == 0xed) hi = 0x9f; // surrogates
    } else if (c0 >= 0xf0 && c0 <= 0xf4) {
      w = 4;
      r = c0 & 0x07;
      if (c0 == 0xf0) lo = 0x90; // overlong
      if (c0 == 0xf4) hi = 0x8f; // above U+10FFFF
    } else {
      return -1;
    }
    if (i + w > to) return -1;
    int c1 = b[i + 1] & 0xff;
    if (c1 < lo || c1 > hi) return -1;
    r = (r << 6) | (c1 & 0x3f);
    for (int k = 2; k < w; k++) {
      int ck = b[i + k] & 0xff;
      if (ck < 0x80 || ck > 0xbf) return -1;
      r = (r << 6) | (ck & 0x3f);
    }
    return ((long) w << 32) | r;
  }

  static int width(long decoded) {
    return (int) (decoded >>> 32);
  }
}
