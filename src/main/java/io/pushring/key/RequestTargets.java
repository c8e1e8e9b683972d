package io.pushring.key;

import java.nio.charset.StandardCharsets;

/**
 * Puts a push path, as received, into a URL ({@code Location}, {@code nextUrl:}, the route API) so that
 * the client that follows it sends the Pushgateway the same grouping key pushring placed.
 *
 * <p>The Pushgateway (Go) accepts raw bytes in a request target that a URI may not carry: {@code #},
 * {@code "}, {@code <}, {@code >}, {@code \}, {@code ^}, {@code `}, {@code {}, {@code |}, {@code }},
 * {@code [}, {@code ]} and bytes 0x80-0xFF. It takes them literally ({@code /metrics/job/x#frag} is
 * {@code job="x#frag"}), but a client reading them back from a {@code Location} does not: it cuts
 * {@code #frag} off as a fragment (and would push {@code {job="x"}} to a member that does not own it),
 * and Java's URI parser refuses the others. Each such byte is therefore percent-encoded. The
 * Pushgateway decodes the whole path before it reads the key, so {@code %23} is the same byte as a
 * raw {@code #}: placement (grouping-key and dynamic-sharding alike: both hash decoded bytes) and the
 * {@code Location} always name the same group. Everything else stays exactly as received, escapes and
 * {@code +} included.
 *
 * <p>Control bytes and spaces never get here: {@link GroupingKeyParser} rejects them with 400, as Go
 * does; were one to slip through it would be encoded too, so a header never carries a byte it may not.
 * In the query a {@code %} not followed by two hex digits (which Go lets through there) becomes
 * {@code %25}; the Pushgateway ignores a push's query.
 *
 * <p>Hot path: one table lookup per char; nothing is allocated beyond the concatenation unless a byte
 * needs encoding.
 */
public final class RequestTargets {
  /** ASCII that a URI path or query carries as is: RFC 3986 unreserved, sub-delims, ':', '@', '/', '%'. */
  private static final boolean[] PATH_KEEPS = new boolean[128];
  private static final boolean[] QUERY_KEEPS = new boolean[128];
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  static {
    String keep = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/%";
    for (int i = 0; i < keep.length(); i++) {
      PATH_KEEPS[keep.charAt(i)] = true;
      QUERY_KEEPS[keep.charAt(i)] = true;
    }
    QUERY_KEEPS['?'] = true;
  }

  private RequestTargets() {}

  /** {@code baseUrl} + the path + {@code ?query} when there is one, with bytes a URI may not carry encoded. */
  public static String location(String baseUrl, String rawPath, String rawQuery) {
    boolean pathOk = isUriSafe(rawPath, PATH_KEEPS);
    if (rawQuery == null) return pathOk ? baseUrl + rawPath : append(new StringBuilder(baseUrl), rawPath, PATH_KEEPS).toString();
    if (pathOk && isUriSafe(rawQuery, QUERY_KEEPS)) return baseUrl + rawPath + '?' + rawQuery;
    StringBuilder sb = append(new StringBuilder(baseUrl), rawPath, PATH_KEEPS).append('?');
    return append(sb, rawQuery, QUERY_KEEPS).toString();
  }

  private static boolean isUriSafe(String s, boolean[] keeps) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c >= 128 || !keeps[c] || (c == '%' && !isEscape(s, i))) return false;
    }
    return true;
  }

  private static StringBuilder append(StringBuilder sb, String s, boolean[] keeps) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 128 && keeps[c] && (c != '%' || isEscape(s, i))) {
        sb.append(c);
      } else if (c <= 0xff) {
        escape(sb, c);
      } else {
        // Not from the wire (Netty hands over one char per byte); a caller's Unicode: its UTF-8 bytes.
        int end = Character.isHighSurrogate(c) && i + 1 < n ? i + 2 : i + 1;
        for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) escape(sb, b & 0xff);
        i = end - 1;
      }
    }
    return sb;
  }

  private static void escape(StringBuilder sb, int b) {
    sb.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
  }

  private static boolean isEscape(String s, int i) {
    return i + 2 < s.length() && isHex(s.charAt(i + 1)) && isHex(s.charAt(i + 2));
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
