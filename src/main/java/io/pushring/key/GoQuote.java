package io.pushring.key;

/**
 * Go's {@code strconv.Quote} (what {@code fmt}'s {@code %q} prints) over raw bytes, so that our error
 * messages are byte-for-byte the Pushgateway's. Invalid UTF-8 bytes become {@code \xff}, control
 * characters {@code \n}, {@code \x01}..., other non-printable runes Go's backslash-u/U forms;
 * printable Unicode is kept as is.
 */
final class GoQuote {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private GoQuote() {}

  static String quote(byte[] b, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from + 2);
    appendQuoted(sb, b, from, to);
    return sb.toString();
  }

  static void appendQuoted(StringBuilder sb, byte[] b, int from, int to) {
    sb.append('"');
    int i = from;
    while (i < to) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        appendRune(sb, c);
        i++;
        continue;
      }
      long r = Utf8.decode(b, i, to);
      if (r < 0) { // Go: (RuneError, 1) for an invalid sequence, escaped byte by byte
        sb.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
        i++;
      } else {
        appendRune(sb, (int) r);
        i += Utf8.width(r);
      }
    }
    sb.append('"');
  }

  private static void appendRune(StringBuilder sb, int r) {
    if (r == '"' || r == '\\') {
      sb.append('\\').append((char) r);
      return;
    }
    if (isPrint(r)) {
      sb.appendCodePoint(r);
      return;
    }
    switch (r) {
      case 0x07: sb.append("\\a"); return;
      case '\b': sb.append("\\b"); return;
      case '\f': sb.append("\\f"); return;
      case '\n': sb.append("\\n"); return;
      case '\r': sb.append("\\r"); return;
      case '\t': sb.append("\\t"); return;
      case 0x0b: sb.append("\\v"); return;
      default:
        if (r < ' ' || r == 0x7f) {
          sb.append("\\x").append(HEX[r >> 4]).append(HEX[r & 0xf]);
        } else if (r < 0x10000) {
          sb.append("\\u");
          for (int s = 12; s >= 0; s -= 4) sb.append(HEX[(r >> s) & 0xf]);
        } else {
          sb.append("\\U");
          for (int s = 28; s >= 0; s -= 4) sb.append(HEX[(r >> s) & 0xf]);
        }
    }
  }

  /** Go's unicode.IsPrint: categories L, M, N, P, S and the ASCII space (both use Unicode 13 here). */
  static boolean isPrint(int r) {
    if (r < 0x80) return r >= 0x20 && r < 0x7f;
    switch (Character.getType(r)) {
      case Character.UPPERCASE_LETTER:
      case Character.LOWERCASE_LETTER:
      case Character.TITLECASE_LETTER:
      case Character.MODIFIER_LETTER:
      case Character.OTHER_LETTER:
      case Character.NON_SPACING_MARK:
      case Character.ENCLOSING_MARK:
      case Character.COMBINING_SPACING_MARK:
      case Character.DECIMAL_DIGIT_NUMBER:
      case Character.LETTER_NUMBER:
      case Character.OTHER_NUMBER:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.CONNECTOR_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.MATH_SYMBOL:
      case Character.CURRENCY_SYMBOL:
      case Character.MODIFIER_SYMBOL:
      case Character.OTHER_SYMBOL:
        return true;
      default:
        return false;
    }
  }
}
