package io.pushring.key;

/**
 * The Pushgateway's {@code decodeBase64}: {@code base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))}
 * with Go 1.19's exact semantics, which matter for shard affinity and error wording:
 * URL-safe alphabet only; {@code \r} and {@code \n} are skipped anywhere; unused trailing bits are
 * ignored (non-strict, so {@code YR} decodes like {@code YQ}); a lone last character, any other
 * byte (including an inner {@code =}) is an error at a byte offset computed as Go does.
 */
final class GoBase64 {
  private static final byte[] DECODE = new byte[256];

  static {
    java.util.Arrays.fill(DECODE, (byte) -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < alphabet.length(); i++) DECODE[alphabet.charAt(i)] = (byte) i;
  }

  private GoBase64() {}

  /** Go's {@code base64.CorruptInputError} plus what was decoded before it. Stackless: control flow. */
  static final class CorruptInput extends Exception {
    private static final long serialVersionUID = 1L;
    final long offset;
    /** Bytes written to dst before the error (Go returns {@code dbuf[:n]} alongside the error). */
    final int written;

    CorruptInput(long offset, int written) {
      super(null, null, false, false);
      this.offset = offset;
      this.written = written;
    }

    /** Go's wording: {@code illegal base64 data at input byte N}. */
    String goMessage() {
      return "illegal base64 data at input byte " + offset;
    }
  }

  /** Index after s[from, to) with every trailing '=' removed ({@code strings.TrimRight(s, "=")}). */
  static int trimPadding(byte[] s, int from, int to) {
    while (to > from && s[to - 1] == '=') to--;
    return to;
  }

  /**
   * Decodes s[from, to) (already trimmed) into dst starting at dstPos.
   * @return the number of bytes written
   */
  static int decode(byte[] s, int from, int to, byte[] dst, int dstPos) throws CorruptInput {
    int si = from;
    int n = dstPos;
    while (si < to) {
      int v = 0;
      int j = 0;
      while (j < 4) {
        if (si == to) {
          if (j == 0) return n - dstPos;
          if (j == 1) throw new CorruptInput(si - j - from, n - dstPos);
          break;
        }
        int in = s[si++] & 0xff;
        int out = DECODE[in];
        if (out >= 0) {
          v = (v << 6) | out;
          j++;
        } else if (in != '\n' && in != '\r') {
          throw new CorruptInput(si - 1 - from, n - dstPos);
        }
      }
      // j characters of 6 bits: 4 give 3 bytes, 3 give 2, 2 give 1; leftover low bits are dropped.
      switch (j) {
        case 4:
          dst[n++] = (byte) (v >> 16);
          dst[n++] = (byte) (v >> 8);
          dst[n++] = (byte) v;
          break;
        case 3:
          dst[n++] = (byte) (v >> 10);
          dst[n++] = (byte) (v >> 2);
          break;
        default: // 2
          dst[n++] = (byte) (v >> 4);
      }
    }
    return n - dstPos;
  }
}
