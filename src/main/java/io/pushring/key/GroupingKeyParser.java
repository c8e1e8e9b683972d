package io.pushring.key;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Parses a raw (still percent-encoded) request path the way Pushgateway 1.5.1 does, checked rule by
 * rule against the real binary. In Go's order:
 * <ol>
 *   <li>the request target is parsed ({@code url.ParseRequestURI}): raw control bytes and invalid
 *       {@code %} escapes give 400; the whole path is percent-decoded to bytes, {@code +} stays {@code +};
 *   <li>{@code http.ServeMux} redirects (301) a decoded path that is not clean ({@code //}, {@code .},
 *       {@code ..} segments): pushring answers 400 naming the clean path instead;
 *   <li>the router matches {@code /metrics/job/:job[/*labels]} or {@code /metrics/job@base64/...} on the
 *       decoded path (so {@code %2F} is a separator); anything else is 404;
 *   <li>the push handler: job base64, {@code splitLabels}, "job name is required", URL job overrides a
 *       {@code job} label, the last duplicate wins;
 *   <li>pushring's own rule: every value must be valid UTF-8 (the Pushgateway answers 400 to such a push
 *       but keeps the group, then refuses every later push until it is deleted).
 * </ol>
 * NUL and other control bytes that arrive percent-encoded are accepted: the Pushgateway stores them as is.
 * Raw control bytes (0x00-0x1F, 0x7F) anywhere in the request target, the query included, are rejected
 * as Go's {@code url.ParseRequestURI} rejects them; so is a raw space, which HTTP/1.1 cannot carry in a
 * request line (Go answers 400) and which only reaches pushring over HTTP/2 or {@code /api/v1/route}.
 *
 * <p>Bounded work: at most {@link #MAX_LABEL_PAIRS} label pairs, sorted in O(n log n). A raw
 * {@code #} is an ordinary path byte here, as in Go (the Pushgateway stores {@code job="x#frag"});
 * whoever puts the path into a URL must percent-encode it ({@link RequestTargets}).
 *
 * <p>The input String is read as one char per byte (ISO-8859-1), which is how Netty and so Vert.x hand
 * over the request line. If it holds a char above U+00FF it cannot come from the wire that way, so the
 * whole String is then taken as Unicode and encoded as UTF-8 first.
 *
 * <p>Hot path: one pass decodes and checks cleanliness, one splits; no regex, no String per segment.
 * A typical push allocates the decoded buffer, a small int array, the canonical bytes and the key
 * (about 230 bytes).
 */
public final class GroupingKeyParser {
  private static final byte[] PREFIX = ascii("/metrics/job");
  private static final byte[] BASE64_ROUTE = ascii("@base64/");
  private static final byte[] BASE64_SUFFIX = ascii("@base64");
  private static final byte[] JOB = ascii("job");
  /** Go's http.NotFound body, without the newline. */
  static final String NOT_FOUND = "404 page not found";
  /**
   * Most label pairs a push path may carry (counted before duplicates collapse). Real grouping keys
   * have a handful. The Pushgateway has no limit of its own (its 1 MiB request line allows ~100,000
   * pairs), but a group it stores with 10,000 labels costs every later push to it ~70 ms, with 50,000
   * ~440 ms (measured on 1.5.1): a limit far above real use keeps one client from slowing a shard
   * for all. Not a config knob: no real client comes near it.
   */
  public static final int MAX_LABEL_PAIRS = 1000;
  /** Below this many labels insertion sort is fastest and allocates nothing. */
  private static final int INSERTION_SORT_MAX = 16;

  private GroupingKeyParser() {}

  /**
   * @param rawPath the request path exactly as received, without the query
   * @throws InvalidPushPathException with the Pushgateway's status and wording where it has one
   */
  public static GroupingKey parse(String rawPath) {
    return parse(rawPath, null);
  }

  /**
   * As {@link #parse(String)}, also checking the query the way Go's request parser does (raw control
   * bytes anywhere in the request target are a 400, checked before anything else). The query is not
   * part of the grouping key.
   *
   * @param rawQuery the query exactly as received (after the {@code ?}), or null
   */
  public static GroupingKey parse(String rawPath, String rawQuery) {
    if (rawQuery != null) checkQuery(rawQuery);
    int rawLen = rawPath.length();
    if (rawLen == 0 || rawPath.charAt(0) != '/') {
      throw new InvalidPushPathException(400, "invalid URI for request"); // Go's ParseRequestURI wording
    }
    // The decoded path is never longer than the raw one. Base64 values are decoded behind it, in the
    // same array, grown to twice the path length when one occurs (they never exceed the path).
    byte[] buf = new byte[rawLen];
    int n = 0;
    // ServeMux's cleanliness is checked on the fly, segment by segment, as '/' bytes are written.
    boolean clean = true;
    int segStart = 1;
    int slashes = 0;
    for (int i = 0; i < rawLen; i++) {
      char c = rawPath.charAt(i);
      int v;
      if (c == '%') {
        int hi;
        int lo;
        if (i + 2 >= rawLen || (hi = hex(rawPath.charAt(i + 1))) < 0 || (lo = hex(rawPath.charAt(i + 2))) < 0) {
          throw escapeError(rawPath, i);
        }
        v = hi << 4 | lo;
        i += 2;
      } else if (c <= 0x20 || c == 0x7f) {
        throw c == ' ' ? space() : controlCharacter();
      } else if (c > 0xff) {
        return parse(new String(rawPath.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1), null);
      } else {
        v = c;
      }
      if (v == '/') {
        if (n > 0 && isDotOrEmpty(buf, segStart, n)) clean = false;
        segStart = n + 1;
        slashes++;
      }
      buf[n++] = (byte) v;
    }
    // The last segment may be empty (a trailing slash is kept) but not "." or "..".
    if (!clean || (n > segStart && isDotOrEmpty(buf, segStart, n))) {
      byte[] cleaned = GoPaths.cleanPath(buf, n);
      throw new InvalidPushPathException(400, "path " + GoQuote.quote(buf, 0, n)
          + " is not clean: the Pushgateway would answer 301 and redirect to "
          + GoQuote.quote(cleaned, 0, cleaned.length) + "; push to the clean path");
    }
    return route(buf, n, slashes);
  }

  /** A path segment that Go's path.Clean removes or resolves: "", "." or "..". */
  private static boolean isDotOrEmpty(byte[] b, int from, int to) {
    int len = to - from;
    return len == 0 || (b[from] == '.' && (len == 1 || (len == 2 && b[from + 1] == '.')));
  }

  /**
   * The key of a group known by its labels, as {@code GET /api/v1/metrics} of a Pushgateway lists them
   * ({@code job} included). One implementation with {@link #parse}: the labels are spelled as an
   * all-base64 push path and that path is parsed, so a group read from the API and the same group
   * pushed through any URL get equal keys by construction.
   *
   * @throws InvalidPushPathException (400) for what no push path could have produced: a missing or
   *     empty job, an improper label name, a value that is not valid Unicode (a lone surrogate)
   */
  public static GroupingKey fromLabels(Map<String, String> labels) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String job = labels.get("job");
    if (job == null || job.isEmpty()) throw badRequest("job name is required");
    StringBuilder path = new StringBuilder(64).append("/metrics/job@base64/").append(base64Value(b64, "job", job));
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String name = e.getKey();
      if (name.equals("job")) continue;
      // Checked here, not only by parse: a name holding '/' or '@base64' would re-split the path.
      byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
      if (!isLegacyLabelName(nameBytes, 0, nameBytes.length)) {
        throw badRequest("improper label name " + GoQuote.quote(nameBytes, 0, nameBytes.length));
      }
      path.append('/').append(name).append("@base64/").append(base64Value(b64, name, e.getValue()));
    }
    return parse(path.toString());
  }

  private static String base64Value(Base64.Encoder b64, String name, String value) {
    if (value.isEmpty()) return "=";
    try {
      ByteBuffer bytes = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(value));
      byte[] b = new byte[bytes.remaining()];
      bytes.get(b);
      return b64.encodeToString(b);
    } catch (CharacterCodingException e) {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      throw badRequest("label value for " + GoQuote.quote(n, 0, n.length) + " is not valid Unicode");
    }
  }

  /** @param slashes the number of '/' in the decoded path */
  private static GroupingKey route(byte[] buf, int n, int slashes) {
    int p = PREFIX.length;
    if (!regionMatches(buf, 0, n, PREFIX)) throw notFound();
    boolean jobBase64;
    if (p < n && buf[p] == '/') {
      jobBase64 = false;
      p++;
    } else if (regionMatches(buf, p, n, BASE64_ROUTE)) {
      jobBase64 = true;
      p += BASE64_ROUTE.length;
    } else {
      throw notFound();
    }
    int jobStart = p;
    int jobEnd = indexOfSlash(buf, jobStart, n);
    // "/metrics/job/": the Pushgateway's router redirects (307) to "/metrics/job", which is a 404;
    // "/metrics/job@base64/" is a 404 straight away.
    if (jobEnd == jobStart) throw notFound();

    int w = n; // write position of decoded base64 values, behind the path
    int jobFrom = jobStart;
    int jobTo = jobEnd;
    if (jobBase64) {
      buf = grow(buf, n);
      try {
        w += GoBase64.decode(buf, jobStart, GoBase64.trimPadding(buf, jobStart, jobEnd), buf, w);
      } catch (GoBase64.CorruptInput e) {
        throw badRequest("invalid base64 encoding in job name " + GoQuote.quote(buf, n, n + e.written)
            + ": " + e.goMessage());
      }
      jobFrom = n;
      jobTo = w;
    }

    // splitLabels(labels), labels = "/..." after the job, or "" without one.
    int[] refs = null;
    int count = 0;
    if (n - jobEnd > 1) {
      int components = slashes - 3; // the route's "/metrics/job/" or "/metrics/job@base64/" hold three
      if ((components & 1) != 0) {
        throw badRequest("odd number of components in label string " + GoQuote.quote(buf, jobEnd, n));
      }
      count = components >> 1;
      if (count > MAX_LABEL_PAIRS) {
        throw badRequest("too many labels in the grouping key: " + count + " label pairs, pushring's limit is "
            + MAX_LABEL_PAIRS + " (a Pushgateway holding such a group slows down every push to it)");
      }
      refs = new int[count * 4];
      int pos = jobEnd + 1;
      for (int k = 0; k < count; k++) {
        int nameFrom = pos;
        int nameEnd = indexOfSlash(buf, nameFrom, n);
        int valueFrom = nameEnd + 1;
        int valueTo = indexOfSlash(buf, valueFrom, n);
        pos = valueTo + 1;
        boolean base64 = nameEnd - nameFrom >= BASE64_SUFFIX.length
            && regionMatches(buf, nameEnd - BASE64_SUFFIX.length, nameEnd, BASE64_SUFFIX);
        int nameTo = base64 ? nameEnd - BASE64_SUFFIX.length : nameEnd;
        if (!isLegacyLabelName(buf, nameFrom, nameTo)) {
          throw badRequest("improper label name " + GoQuote.quote(buf, nameFrom, nameTo));
        }
        if (base64) {
          if (buf.length < 2 * n) buf = grow(buf, n);
          int from = w;
          try {
            w += GoBase64.decode(buf, valueFrom, GoBase64.trimPadding(buf, valueFrom, valueTo), buf, w);
          } catch (GoBase64.CorruptInput e) {
            throw badRequest("invalid base64 encoding for label "
                + new String(buf, nameFrom, nameTo - nameFrom, StandardCharsets.ISO_8859_1)
                + "=" + GoQuote.quote(buf, valueFrom, valueTo) + ": " + e.goMessage());
          }
          valueFrom = from;
          valueTo = w;
        }
        int r = k * 4;
        refs[r] = nameFrom;
        refs[r + 1] = nameTo;
        refs[r + 2] = valueFrom;
        refs[r + 3] = valueTo;
      }
    }
    if (jobTo == jobFrom) throw badRequest("job name is required");
    if (count > 1) sortByName(buf, refs, count);
    return new GroupingKey(buf, n, canonical(buf, refs, count, jobFrom, jobTo));
  }

  /**
   * Builds {@code name 0xFF value (0xFF name 0xFF value)*} over the labels sorted by name, keeping only
   * the last of equal names (the sort is stable) and the URL job instead of any {@code job} label.
   */
  private static byte[] canonical(byte[] buf, int[] refs, int count, int jobFrom, int jobTo) {
    checkUtf8(buf, JOB, 0, JOB.length, jobFrom, jobTo);
    int len = JOB.length + 1 + (jobTo - jobFrom);
    for (int k = 0; k < count; k++) {
      int r = k * 4;
      // Overridden by a later duplicate (stable sort: the last one comes last) or by the URL job: drop
      // it, marked by a negative name end so that the fill pass below skips it.
      if ((k + 1 < count && sameBytes(buf, refs[r], refs[r + 1], buf, refs[r + 4], refs[r + 5]))
          || sameBytes(buf, refs[r], refs[r + 1], JOB, 0, JOB.length)) {
        refs[r + 1] = -1;
        continue;
      }
      checkUtf8(buf, buf, refs[r], refs[r + 1], refs[r + 2], refs[r + 3]);
      len += 2 + (refs[r + 1] - refs[r]) + (refs[r + 3] - refs[r + 2]);
    }
    byte[] out = new byte[len];
    int c = 0;
    boolean jobWritten = false;
    for (int k = 0; k < count; k++) {
      int r = k * 4;
      if (refs[r + 1] < 0) continue;
      if (!jobWritten && compare(buf, refs[r], refs[r + 1], JOB, 0, JOB.length) > 0) {
        c = put(out, c, JOB, 0, JOB.length, buf, jobFrom, jobTo);
        jobWritten = true;
      }
      c = put(out, c, buf, refs[r], refs[r + 1], buf, refs[r + 2], refs[r + 3]);
    }
    if (!jobWritten) put(out, c, JOB, 0, JOB.length, buf, jobFrom, jobTo);
    return out;
  }

  private static int put(byte[] out, int c, byte[] nameSrc, int nameFrom, int nameTo,
      byte[] valueSrc, int valueFrom, int valueTo) {
    if (c > 0) out[c++] = GroupingKey.SEPARATOR;
    System.arraycopy(nameSrc, nameFrom, out, c, nameTo - nameFrom);
    c += nameTo - nameFrom;
    out[c++] = GroupingKey.SEPARATOR;
    System.arraycopy(valueSrc, valueFrom, out, c, valueTo - valueFrom);
    return c + valueTo - valueFrom;
  }

  private static void checkUtf8(byte[] buf, byte[] nameSrc, int nameFrom, int nameTo, int valueFrom, int valueTo) {
    if (!Utf8.isValid(buf, valueFrom, valueTo)) {
      throw badRequest("label value for " + GoQuote.quote(nameSrc, nameFrom, nameTo) + " is not valid UTF-8: "
          + GoQuote.quote(buf, valueFrom, valueTo)
          + " (the Pushgateway would keep such a group and then refuse every later push)");
    }
  }

  /**
   * Stable sort of the 4-int entries by name bytes: equal names keep their path order, so the last
   * duplicate comes last and wins (Go's map assignment in splitLabels). Insertion sort for the usual
   * handful; a bottom-up merge sort beyond, so a hostile path with {@link #MAX_LABEL_PAIRS} labels in
   * reverse order costs O(n log n) comparisons, not O(n^2).
   */
  private static void sortByName(byte[] buf, int[] refs, int count) {
    if (count <= INSERTION_SORT_MAX) {
      insertionSort(buf, refs, count);
      return;
    }
    int[] src = refs;
    int[] dst = new int[refs.length];
    for (int width = 1; width < count; width <<= 1) {
      for (int lo = 0; lo < count; lo += width << 1) {
        int mid = Math.min(lo + width, count);
        int hi = Math.min(lo + (width << 1), count);
        merge(buf, src, dst, lo, mid, hi);
      }
      int[] t = src;
      src = dst;
      dst = t;
    }
    if (src != refs) System.arraycopy(src, 0, refs, 0, count * 4);
  }

  /** Merges entries [lo, mid) and [mid, hi) of src into dst; on equal names the left (earlier) one first. */
  private static void merge(byte[] buf, int[] src, int[] dst, int lo, int mid, int hi) {
    int i = lo;
    int j = mid;
    for (int k = lo; k < hi; k++) {
      int from;
      if (j >= hi || (i < mid && compare(buf, src[i * 4], src[i * 4 + 1], buf, src[j * 4], src[j * 4 + 1]) <= 0)) {
        from = i++;
      } else {
        from = j++;
      }
      System.arraycopy(src, from * 4, dst, k * 4, 4);
    }
  }

  private static void insertionSort(byte[] buf, int[] refs, int count) {
    for (int i = 1; i < count; i++) {
      int r = i * 4;
      int a = refs[r];
      int b = refs[r + 1];
      int c = refs[r + 2];
      int d = refs[r + 3];
      int j = i - 1;
      while (j >= 0 && compare(buf, refs[j * 4], refs[j * 4 + 1], buf, a, b) > 0) {
        System.arraycopy(refs, j * 4, refs, j * 4 + 4, 4);
        j--;
      }
      int t = (j + 1) * 4;
      refs[t] = a;
      refs[t + 1] = b;
      refs[t + 2] = c;
      refs[t + 3] = d;
    }
  }

  /** Byte-wise comparison, as Go's sort.Strings compares the (ASCII) names. Names are short: a plain loop. */
  private static int compare(byte[] x, int xFrom, int xTo, byte[] y, int yFrom, int yTo) {
    int xLen = xTo - xFrom;
    int yLen = yTo - yFrom;
    int min = Math.min(xLen, yLen);
    for (int i = 0; i < min; i++) {
      int d = (x[xFrom + i] & 0xff) - (y[yFrom + i] & 0xff);
      if (d != 0) return d;
    }
    return xLen - yLen;
  }

  private static boolean sameBytes(byte[] x, int xFrom, int xTo, byte[] y, int yFrom, int yTo) {
    if (xTo - xFrom != yTo - yFrom) return false;
    for (int i = xFrom, j = yFrom; i < xTo; i++, j++) if (x[i] != y[j]) return false;
    return true;
  }

  /** model.LabelNameRE {@code ^[a-zA-Z_][a-zA-Z0-9_]*$} and not model.ReservedLabelPrefix {@code __}. */
  private static boolean isLegacyLabelName(byte[] b, int from, int to) {
    if (from == to) return false;
    for (int i = from; i < to; i++) {
      int c = b[i];
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > from && c >= '0' && c <= '9');
      if (!ok) return false;
    }
    return !(to - from >= 2 && b[from] == '_' && b[from + 1] == '_');
  }

  private static int indexOfSlash(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) if (b[i] == '/') return i;
    return to;
  }

  private static boolean regionMatches(byte[] b, int from, int to, byte[] what) {
    if (to - from < what.length) return false;
    for (int i = 0; i < what.length; i++) if (b[from + i] != what[i]) return false;
    return true;
  }

  private static byte[] grow(byte[] buf, int n) {
    return buf.length >= 2 * n ? buf : java.util.Arrays.copyOf(buf, 2 * n);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  /**
   * Only the checks Go's request parser makes on any target before routing, for paths that are not
   * pushes: raw control bytes (and a raw space, which only HTTP/2 can carry) in the path or the query,
   * and an invalid {@code %} escape in the path, are a 400.
   *
   * @throws InvalidPushPathException 400 with Go's wording
   */
  public static void checkRequestTarget(String rawPath, String rawQuery) {
    if (rawQuery != null) checkQuery(rawQuery);
    checkQuery(rawPath);
    for (int i = rawPath.indexOf('%'); i >= 0; i = rawPath.indexOf('%', i + 1)) {
      if (i + 2 >= rawPath.length() || hex(rawPath.charAt(i + 1)) < 0 || hex(rawPath.charAt(i + 2)) < 0) {
        throw escapeError(rawPath, i);
      }
    }
  }

  /**
   * The query as Go's request parser sees it: raw control bytes are a 400 (and take precedence over
   * any error in the path), a raw space cannot be in an HTTP/1.1 request line. Anything else is the
   * client's business: the Pushgateway ignores the query of a push, escapes included.
   */
  private static void checkQuery(String rawQuery) {
    boolean space = false;
    for (int i = 0, n = rawQuery.length(); i < n; i++) {
      char c = rawQuery.charAt(i);
      if (c < 0x20 || c == 0x7f) throw controlCharacter();
      if (c == ' ') space = true;
    }
    if (space) throw space();
  }

  /** Go's url.EscapeError: the '%' and at most two following characters, %q-quoted. */
  private static InvalidPushPathException escapeError(String raw, int i) {
    // Go rejects raw control bytes anywhere in the target before it looks at escapes.
    for (int k = i; k < raw.length(); k++) {
      char c = raw.charAt(k);
      if (c < 0x20 || c == 0x7f) throw controlCharacter();
      if (c == ' ') throw space();
    }
    byte[] bad = raw.substring(i, Math.min(raw.length(), i + 3)).getBytes(StandardCharsets.ISO_8859_1);
    return badRequest("invalid URL escape " + GoQuote.quote(bad, 0, bad.length));
  }

  private static InvalidPushPathException controlCharacter() {
    return badRequest("invalid control character in URL");
  }

  /** Only over HTTP/2 (or /api/v1/route): in an HTTP/1.1 request line a space ends the target, and Go answers 400. */
  private static InvalidPushPathException space() {
    return badRequest("invalid space in URL (percent-encode it as %20)");
  }

  private static InvalidPushPathException notFound() {
    return new InvalidPushPathException(404, NOT_FOUND);
  }

  private static InvalidPushPathException badRequest(String message) {
    return new InvalidPushPathException(400, message);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
