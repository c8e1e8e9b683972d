package io.pushring.key;

import java.util.Arrays;

/**
 * Go's {@code net/http} ServeMux path cleaning ({@code cleanPath}: {@code path.Clean} that keeps a
 * trailing slash). The Pushgateway answers 301 to any path whose decoded form is not clean; pushring
 * only needs the cleaned form to name it in its 400 message, so this is off the hot path.
 * {@link #isClean} is the reference the parser's inline check is tested against.
 */
final class GoPaths {
  private GoPaths() {}

  /** True when cleanPath(p) == p for the decoded path p = b[0, n), which starts with '/'. */
  static boolean isClean(byte[] b, int n) {
    int segStart = 1;
    for (int i = 1; i <= n; i++) {
      if (i == n || b[i] == '/') {
        int len = i - segStart;
        // "//" anywhere, a "." or ".." segment anywhere (also last): Clean would change the path.
        // An empty last segment is the trailing slash cleanPath keeps.
        if ((len == 0 && i < n)
            || (len == 1 && b[segStart] == '.')
            || (len == 2 && b[segStart] == '.' && b[segStart + 1] == '.')) {
          return false;
        }
        segStart = i + 1;
      }
    }
    return true;
  }

  /** Go's cleanPath for a rooted path b[0, n). */
  static byte[] cleanPath(byte[] b, int n) {
    byte[] out = new byte[n + 1];
    int w = 0;
    int[] segEnds = new int[n + 1]; // write positions before each kept segment, for ".."
    int depth = 0;
    int segStart = 1;
    for (int i = 1; i <= n; i++) {
      if (i < n && b[i] != '/') continue;
      int len = i - segStart;
      if (len == 0 || (len == 1 && b[segStart] == '.')) {
        // skip
      } else if (len == 2 && b[segStart] == '.' && b[segStart + 1] == '.') {
        if (depth > 0) w = segEnds[--depth]; // at the root ".." stays at the root
      } else {
        segEnds[depth++] = w;
        out[w++] = '/';
        System.arraycopy(b, segStart, out, w, len);
        w += len;
      }
      segStart = i + 1;
    }
    if (w == 0) out[w++] = '/';
    if (b[n - 1] == '/' && !(w == 1 && out[0] == '/')) out[w++] = '/';
    return Arrays.copyOf(out, w);
  }
}
