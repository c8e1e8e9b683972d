package io.pushring.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The grouping-key rules as a table: Pushgateway's own TestSplitLabels scenarios (handler/handler_test.go,
 * wrapped in a push path) and every behaviour observed on the real 1.5.1 binary (ANCHORS.md C1 and the
 * probes of this work). Error rows assert the exact status and the exact Pushgateway wording (without
 * http.Error's trailing newline).
 */
class GroupingKeyParserTest {

  /** Expected outcome: labels (name, value, name, value...) or status + message. */
  record Expect(Map<String, String> labels, int status, String message) {
    static Expect labels(String... kv) {
      Map<String, String> m = new LinkedHashMap<>();
      for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
      return new Expect(m, 0, null);
    }

    static Expect error(int status, String message) {
      return new Expect(null, status, message);
    }
  }

  private static Arguments row(String name, String path, Expect expect) {
    return Arguments.of(Named.of(name + "  " + path, path), expect);
  }

  private static Expect ok(String... kv) { return Expect.labels(kv); }

  private static Expect bad(String message) { return Expect.error(400, message); }

  private static Expect notFound() { return Expect.error(404, "404 page not found"); }

  static Stream<Arguments> splitLabelsScenarios() {
    String p = "/metrics/job/j";
    return Stream.of(
        row("regular labels", p + "/label_name1/label_value1/label_name2/label_value2",
            ok("job", "j", "label_name1", "label_value1", "label_name2", "label_value2")),
        row("invalid label name", p + "/label_name1/label_value1/a=b/label_value2",
            bad("improper label name \"a=b\"")),
        row("reserved label name", p + "/label_name1/label_value1/__label_name2/label_value2",
            bad("improper label name \"__label_name2\"")),
        row("unencoded slash in label value", p + "/label_name1/label_value1/label_name2/label/value2",
            bad("odd number of components in label string \"/label_name1/label_value1/label_name2/label/value2\"")),
        row("encoded slash in first label value", p + "/label_name1@base64/bGFiZWwvdmFsdWUx/label_name2/label_value2",
            ok("job", "j", "label_name1", "label/value1", "label_name2", "label_value2")),
        row("encoded slash in last label value", p + "/label_name1/label_value1/label_name2@base64/bGFiZWwvdmFsdWUy",
            ok("job", "j", "label_name1", "label_value1", "label_name2", "label/value2")),
        row("encoded slash in last label value with padding",
            p + "/label_name1/label_value1/label_name2@base64/bGFiZWwvdmFsdWUy==",
            ok("job", "j", "label_name1", "label_value1", "label_name2", "label/value2")),
        row("invalid base64 encoding", p + "/label_name1@base64/foo.bar/label_name2/label_value2",
            bad("invalid base64 encoding for label label_name1=\"foo.bar\": illegal base64 data at input byte 3")),
        // TestPush / TestDelete: base64 job route.
        row("base64 job and instance", "/metrics/job@base64/dGVzdC9qb2I=/instance@base64/dGVzdGluc3RhbmNl",
            ok("job", "test/job", "instance", "testinstance")));
  }

  /** Every row below was answered so by /usr/bin/prometheus-pushgateway 1.5.1 (200, or the status/body shown). */
  static Stream<Arguments> observedScenarios() {
    return Stream.of(
        row("job only", "/metrics/job/a", ok("job", "a")),
        row("job and instance", "/metrics/job/a/instance/x", ok("job", "a", "instance", "x")),
        row("trailing slash after job", "/metrics/job/x/", ok("job", "x")),
        row("trailing slash after a name gives an empty value", "/metrics/job/x/instance/", ok("job", "x", "instance", "")),
        row("name without value", "/metrics/job/x/instance", bad("odd number of components in label string \"/instance\"")),
        row("trailing slash after pairs", "/metrics/job/e/instance/x/",
            bad("odd number of components in label string \"/instance/x/\"")),
        row("%2F is a separator", "/metrics/job/b/path/a%2Fb", bad("odd number of components in label string \"/path/a/b\"")),
        row("%2F routes the job", "/metrics/job%2Fz", ok("job", "z")),
        row("%40 routes the base64 job", "/metrics/job%40base64/YQ", ok("job", "a")),
        row("duplicate: last wins", "/metrics/job/a/k/1/k/2", ok("job", "a", "k", "2")),
        row("URL job overrides job label", "/metrics/job/h/job/zzz", ok("job", "h")),
        row("URL job overrides base64 job label", "/metrics/job/h/job@base64/eg", ok("job", "h")),
        row("reserved name", "/metrics/job/a/__x/1", bad("improper label name \"__x\"")),
        row("name starts with a digit", "/metrics/job/a/1x/1", bad("improper label name \"1x\"")),
        row("empty name after @base64", "/metrics/job/a/@base64/YQ", bad("improper label name \"\"")),
        row("padding ==", "/metrics/job/a/k@base64/YQ==", ok("job", "a", "k", "a")),
        row("padding ===", "/metrics/job/a/k@base64/YQ===", ok("job", "a", "k", "a")),
        row("= alone is empty", "/metrics/job/a/k@base64/=", ok("job", "a", "k", "")),
        row("empty base64 is empty", "/metrics/job/a/k@base64/", ok("job", "a", "k", "")),
        row("percent-encoded padding", "/metrics/job/a/k@base64/YQ%3D%3D", ok("job", "a", "k", "a")),
        row("percent-encoded base64 char", "/metrics/job/a/k@base64/Y%51", ok("job", "a", "k", "a")),
        row("base64 newline skipped", "/metrics/job/a/k@base64/Y%0AQ", ok("job", "a", "k", "a")),
        row("base64 unused bits ignored", "/metrics/job/a/k@base64/YR", ok("job", "a", "k", "a")),
        row("base64 lone char", "/metrics/job/a/k@base64/Y",
            bad("invalid base64 encoding for label k=\"Y\": illegal base64 data at input byte 0")),
        row("base64 inner =", "/metrics/job/a/k@base64/YQ=a",
            bad("invalid base64 encoding for label k=\"YQ=a\": illegal base64 data at input byte 2")),
        row("base64 bad char after a quantum", "/metrics/job/a/k@base64/YWJj.",
            bad("invalid base64 encoding for label k=\"YWJj.\": illegal base64 data at input byte 4")),
        row("base64 bad char in second quantum", "/metrics/job/a/k@base64/YWJjZA.",
            bad("invalid base64 encoding for label k=\"YWJjZA.\": illegal base64 data at input byte 6")),
        row("base64 lone char after a quantum", "/metrics/job/a/k@base64/YWJjZ",
            bad("invalid base64 encoding for label k=\"YWJjZ\": illegal base64 data at input byte 4")),
        row("base64 lone char then newline", "/metrics/job/a/k@base64/YWJjZ%0A",
            bad("invalid base64 encoding for label k=\"YWJjZ\\n\": illegal base64 data at input byte 5")),
        row("base64 + is not URL-safe (and splits nothing)", "/metrics/job/a/k@base64/a+b/",
            bad("odd number of components in label string \"/k@base64/a+b/\"")),
        row("base64 job with partial output", "/metrics/job@base64/YWJjZ",
            bad("invalid base64 encoding in job name \"abc\": illegal base64 data at input byte 4")),
        row("base64 job without output", "/metrics/job@base64/YW.j",
            bad("invalid base64 encoding in job name \"\": illegal base64 data at input byte 2")),
        row("base64 job =", "/metrics/job@base64/=", bad("job name is required")),
        row("base64 job", "/metrics/job@base64/YQ", ok("job", "a")),
        row("plus stays plus", "/metrics/job/a+b", ok("job", "a+b")),
        row("%2B is plus", "/metrics/job/a%2Bb", ok("job", "a+b")),
        row("%2b is plus", "/metrics/job/a%2bb", ok("job", "a+b")),
        row("%20 is space", "/metrics/job/a%20b", ok("job", "a b")),
        row("UTF-8 escapes", "/metrics/job/%c3%a9/k/%E2%82%AC", ok("job", "é", "k", "€")),
        row("raw UTF-8 bytes", "/metrics/job/a/k/\u00c3\u00a9", ok("job", "a", "k", "é")),
        row("U+FFFD itself is valid", "/metrics/job/a/k/%EF%BF%BD", ok("job", "a", "k", "\ufffd")),
        row("NUL in job", "/metrics/job/a%00b", ok("job", "a\u0000b")),
        row("control bytes", "/metrics/job/a/k/%01%7f", ok("job", "a", "k", "\u0001\u007f")),
        row("newline", "/metrics/job/a/k/x%0Ay", ok("job", "a", "k", "x\ny")),
        row("base64 NUL", "/metrics/job/a/k@base64/AA", ok("job", "a", "k", "\u0000")),
        row("raw # is data", "/metrics/job/a/k/a#b", ok("job", "a", "k", "a#b")),
        row("%3F is data", "/metrics/job/a/k/a%3Fb", ok("job", "a", "k", "a?b")),
        row("%25 is percent", "/metrics/job/a/k/a%25b", ok("job", "a", "k", "a%b")),
        row("raw control byte", "/metrics/job/a/k/a\u0001b", bad("invalid control character in URL")),
        row("raw DEL", "/metrics/job/a/k/a\u007fb", bad("invalid control character in URL")),
        row("invalid escape", "/metrics/job/%zz", bad("invalid URL escape \"%zz\"")),
        row("truncated escape", "/metrics/job/%4", bad("invalid URL escape \"%4\"")),
        row("lone percent", "/metrics/job/a%", bad("invalid URL escape \"%\"")),
        // Routing: 404 where the Pushgateway answers 404 (or redirects to a 404, or fixes the case with a 307).
        row("no job segment", "/metrics/job", notFound()),
        row("empty job (307 to a 404)", "/metrics/job/", notFound()),
        row("other route", "/metrics/jobs/x", notFound()),
        row("empty base64 job", "/metrics/job@base64/", notFound()),
        row("base64 route without job", "/metrics/job@base64", notFound()),
        row("case differs (307 in the Pushgateway)", "/Metrics/job/x", notFound()),
        row("case differs in job keyword", "/metrics/JOB/x", notFound()),
        row("case of the value matters", "/metrics/job/X", ok("job", "X")),
        // Not clean: the Pushgateway answers 301; pushring answers 400 naming the clean path.
        row("double slash", "/metrics/job//x", notClean("/metrics/job//x", "/metrics/job/x")),
        row("trailing dot", "/metrics/job/x/.", notClean("/metrics/job/x/.", "/metrics/job/x")),
        row("trailing dot-dot", "/metrics/job/x/..", notClean("/metrics/job/x/..", "/metrics/job")),
        row("inner dot", "/metrics/job/./x", notClean("/metrics/job/./x", "/metrics/job/x")),
        row("base64 route then dot", "/metrics/job@base64/.", notClean("/metrics/job@base64/.", "/metrics/job@base64")),
        row("encoded double slash", "/metrics/job/x%2F%2Fy", notClean("/metrics/job/x//y", "/metrics/job/x/y")),
        row("encoded dot-dot", "/metrics/job/x/%2E%2E/y", notClean("/metrics/job/x/../y", "/metrics/job/y")),
        row("double trailing slash", "/metrics/job/x//", notClean("/metrics/job/x//", "/metrics/job/x/")),
        // pushring's own rule: values that are not UTF-8 poison a Pushgateway 1.5.1 (400, group kept).
        row("base64 _w is 0xFF", "/metrics/job/a/k@base64/_w",
            bad("label value for \"k\" is not valid UTF-8: \"\\xff\"" + POISON)),
        row("%ff in a value", "/metrics/job/a/k/%ff",
            bad("label value for \"k\" is not valid UTF-8: \"\\xff\"" + POISON)),
        row("base64 job 0xFF", "/metrics/job@base64/_w",
            bad("label value for \"job\" is not valid UTF-8: \"\\xff\"" + POISON)),
        row("%ff in the job", "/metrics/job/%ff", bad("label value for \"job\" is not valid UTF-8: \"\\xff\"" + POISON)),
        row("base64 a-_b is k 0xEF 0xDB", "/metrics/job/a/k@base64/a-_b",
            bad("label value for \"k\" is not valid UTF-8: \"k\\xef\\xdb\"" + POISON)),
        row("encoded surrogate", "/metrics/job/a/k/%ED%A0%80",
            bad("label value for \"k\" is not valid UTF-8: \"\\xed\\xa0\\x80\"" + POISON)),
        row("overlong slash", "/metrics/job/a/k/%C0%AF",
            bad("label value for \"k\" is not valid UTF-8: \"\\xc0\\xaf\"" + POISON)),
        row("invalid value overridden by a later duplicate", "/metrics/job/a/k/%ff/k/ok", ok("job", "a", "k", "ok")),
        row("invalid job label overridden by the URL job", "/metrics/job/a/job@base64/_w", ok("job", "a")),
        // Order of checks: job base64 error, then labels, then the empty job.
        row("labels error before empty job", "/metrics/job@base64/=/1x/y", bad("improper label name \"1x\"")),
        row("first label error wins", "/metrics/job/a/k@base64/Y/1x/y",
            bad("invalid base64 encoding for label k=\"Y\": illegal base64 data at input byte 0")),
        row("not rooted", "metrics/job/a", bad("invalid URI for request")));
  }

  private static final String POISON = " (the Pushgateway would keep such a group and then refuse every later push)";

  private static Expect notClean(String decoded, String clean) {
    return bad("path \"" + decoded + "\" is not clean: the Pushgateway would answer 301 and redirect to \""
        + clean + "\"; push to the clean path");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"splitLabelsScenarios", "observedScenarios"})
  void parsesLikeThePushgateway(String path, Expect expect) {
    if (expect.labels() != null) {
      GroupingKey key = GroupingKeyParser.parse(path);
      assertThat(asStrings(key.labels())).isEqualTo(sorted(expect.labels()));
      assertThat(key.canonical()).isEqualTo(canonicalOf(expect.labels()));
    } else {
      assertThatThrownBy(() -> GroupingKeyParser.parse(path))
          .isInstanceOfSatisfying(InvalidPushPathException.class, e -> {
            assertThat(e.status()).isEqualTo(expect.status());
            assertThat(e.getMessage()).isEqualTo(expect.message());
          });
    }
  }

  @Test
  void sameGroupWhateverTheEncodingOrOrder() {
    List<String> paths = List.of(
        "/metrics/job/batch/instance/host-1/region/eu%20west", // a raw space: 400, as Go (see below)
        "/metrics/job/batch/region/eu%20west/instance/host-1",
        "/metrics/job/batch/region@base64/ZXUgd2VzdA/instance/host-1",
        "/metrics/job/batch/region@base64/ZXUgd2VzdA==/instance@base64/aG9zdC0x",
        "/metrics/job@base64/YmF0Y2g/instance/host-1/region/eu%20west",
        "/metrics/job/batch/instance/other/region/eu%20west/instance/host-1",
        "/metrics/job/batch/job/ignored/region/eu%20west/instance/host-1",
        "/metrics/job%2Fbatch%2Finstance/host-1/region/eu%20west");
    GroupingKey first = GroupingKeyParser.parse(paths.get(0));
    for (String p : paths) {
      GroupingKey k = GroupingKeyParser.parse(p);
      assertThat(k).as(p).isEqualTo(first).hasSameHashCodeAs(first);
      assertThat(k.printable()).isEqualTo("{instance=\"host-1\",job=\"batch\",region=\"eu west\"}");
    }
    // A different value, an extra empty label, '+' instead of a space: other groups.
    assertThat(GroupingKeyParser.parse("/metrics/job/batch/instance/host-1/region/eu+west")).isNotEqualTo(first);
    assertThat(GroupingKeyParser.parse("/metrics/job/batch/instance/host-1/region/eu%20west/x/")).isNotEqualTo(first);
    assertThat(GroupingKeyParser.parse("/metrics/job/batch/instance/host-1")).isNotEqualTo(first);
  }

  @Test
  void canonicalIsRawBytesSortedWithFfSeparators() {
    GroupingKey k = GroupingKeyParser.parse("/metrics/job/j/z/%00/a/%C3%A9/instance/");
    byte[] expected = concat("a", (byte) 0xff, new byte[] {(byte) 0xc3, (byte) 0xa9}, (byte) 0xff,
        "instance", (byte) 0xff, new byte[0], (byte) 0xff,
        "job", (byte) 0xff, "j".getBytes(StandardCharsets.UTF_8), (byte) 0xff,
        "z", (byte) 0xff, new byte[] {0});
    assertThat(k.canonical()).isEqualTo(expected);
    byte[] viaHasher = new byte[expected.length];
    long len = k.hashCanonical((b, off, l) -> {
      System.arraycopy(b, off, viaHasher, 0, l);
      return l;
    });
    assertThat(len).isEqualTo(expected.length);
    assertThat(viaHasher).isEqualTo(expected);
    assertThat(k.printable()).isEqualTo("{a=\"é\",instance=\"\",job=\"j\",z=\"\\x00\"}");
  }

  @Test
  void canonicalKeepsNamesThatSortAroundJob() {
    assertThat(GroupingKeyParser.parse("/metrics/job/x/jo/1/joba/2/JOB/3/_/4").printable())
        .isEqualTo("{JOB=\"3\",_=\"4\",jo=\"1\",job=\"x\",joba=\"2\"}");
  }

  @Test
  void decodedPathIsTheWholePathPercentDecodedPlusKept() {
    GroupingKey k = GroupingKeyParser.parse("/metrics/job/a+b/k/%2B%20%ff%3F/k/v%41");
    assertThat(k.decodedPath()).isEqualTo(concat("/metrics/job/a+b/k/+ ", (byte) 0xff, "?/k/vA".getBytes(StandardCharsets.ISO_8859_1)));
    byte[] viaHasher = k.decodedPath().clone();
    k.hashDecodedPath((b, off, l) -> {
      assertThat(java.util.Arrays.copyOfRange(b, off, off + l)).isEqualTo(viaHasher);
      return 0;
    });
    // Base64 decoding of values does not leak into the decoded path.
    assertThat(GroupingKeyParser.parse("/metrics/job@base64/YWJj/k@base64/YQ").decodedPath())
        .isEqualTo("/metrics/job@base64/YWJj/k@base64/YQ".getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void returnedArraysAreCopies() {
    GroupingKey k = GroupingKeyParser.parse("/metrics/job/a");
    k.canonical()[0] = 'X';
    k.decodedPath()[0] = 'X';
    k.labels().values().forEach(v -> v[0] = 'X');
    assertThat(k.printable()).isEqualTo("{job=\"a\"}");
    assertThat(k.decodedPath()[0]).isEqualTo((byte) '/');
    assertThatThrownBy(() -> k.labels().put("x", new byte[0])).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void printableQuotesLikeGo() {
    // Printable Unicode kept; quotes, backslash, controls and non-printables escaped the %q way.
    GroupingKey k = GroupingKeyParser.parse("/metrics/job/j/a/%22%5C/b/%07%08%0C%0A%0D%09%0B%1B%7F/c/%E2%80%8B%C2%A0%F0%9F%98%80");
    assertThat(k.printable()).isEqualTo(
        "{a=\"\\\"\\\\\",b=\"\\a\\b\\f\\n\\r\\t\\v\\x1b\\x7f\",c=\"\\u200b\\u00a0\uD83D\uDE00\",job=\"j\"}");
  }

  @Test
  void unicodeStringsAreEncodedAsUtf8() {
    // Not what Vert.x hands over (one char per byte), but a caller passing a decoded String gets UTF-8.
    assertThat(GroupingKeyParser.parse("/metrics/job/\u20ac").labels().get("job"))
        .isEqualTo("€".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void veryLongPathsAndManyLabels() {
    String value = "v".repeat(20_000);
    assertThat(GroupingKeyParser.parse("/metrics/job/j/k/" + value).labels().get("k")).hasSize(20_000);
    StringBuilder sb = new StringBuilder("/metrics/job/j");
    for (int i = 999; i >= 0; i--) sb.append("/l").append(i).append('/').append(i);
    SortedMap<String, byte[]> labels = GroupingKeyParser.parse(sb.toString()).labels();
    assertThat(labels).hasSize(1001);
    assertThat(labels.firstKey()).isEqualTo("job");
    assertThat(new String(labels.get("l500"), StandardCharsets.UTF_8)).isEqualTo("500");
  }

  @Test
  void notCleanExactlyWhenGoCleanPathChangesThePath() {
    java.util.Random random = new java.util.Random(7);
    String[] atoms = {"/", ".", "..", "a", "%2F", "%2E"};
    int notClean = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder("/metrics/job/x");
      for (int k = random.nextInt(6); k > 0; k--) sb.append(atoms[random.nextInt(atoms.length)]);
      String path = sb.toString();
      byte[] decoded = path.replace("%2F", "/").replace("%2E", ".").getBytes(StandardCharsets.US_ASCII);
      boolean goClean = java.util.Arrays.equals(GoPaths.cleanPath(decoded, decoded.length), decoded);
      assertThat(GoPaths.isClean(decoded, decoded.length)).as(path).isEqualTo(goClean);
      boolean rejectedAsNotClean;
      try {
        GroupingKeyParser.parse(path);
        rejectedAsNotClean = false;
      } catch (InvalidPushPathException e) {
        rejectedAsNotClean = e.getMessage().contains("is not clean");
      }
      assertThat(rejectedAsNotClean).as(path).isEqualTo(!goClean);
      if (!goClean) notClean++;
    }
    assertThat(notClean).isBetween(2_000, 18_000);
  }

  @Test
  void goCleanPathMatchesGo() {
    // Expected values: Go's path.Clean plus ServeMux's trailing-slash rule (see net/http cleanPath).
    Map<String, String> cases = Map.of(
        "/", "/", "//", "/", "/.", "/", "/..", "/", "/a/b/../../..", "/",
        "/a//b/", "/a/b/", "/a/./b/.", "/a/b", "/a/b/..", "/a", "/a/b/../", "/a/", "/../a/", "/a/");
    cases.forEach((in, out) -> {
      byte[] b = in.getBytes(StandardCharsets.US_ASCII);
      assertThat(new String(GoPaths.cleanPath(b, b.length), StandardCharsets.US_ASCII)).as(in).isEqualTo(out);
    });
  }

  @Test
  void goBase64MatchesJavaUrlDecoderOnValidInput() throws Exception {
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < 2000; i++) {
      byte[] data = new byte[random.nextInt(40)];
      random.nextBytes(data);
      byte[] enc = java.util.Base64.getUrlEncoder().withoutPadding().encode(data);
      byte[] out = new byte[enc.length];
      int n = GoBase64.decode(enc, 0, enc.length, out, 0);
      assertThat(java.util.Arrays.copyOf(out, n)).isEqualTo(data);
    }
  }

  @Test
  void utf8ValidityIsGoStrict() {
    assertThat(Utf8.isValid(bytes(0xf4, 0x8f, 0xbf, 0xbf), 0, 4)).isTrue(); // U+10FFFF
    assertThat(Utf8.isValid(bytes(0xf4, 0x90, 0x80, 0x80), 0, 4)).isFalse(); // above U+10FFFF
    assertThat(Utf8.isValid(bytes(0xe0, 0x80, 0xaf), 0, 3)).isFalse(); // overlong
    assertThat(Utf8.isValid(bytes(0xed, 0x9f, 0xbf), 0, 3)).isTrue(); // U+D7FF
    assertThat(Utf8.isValid(bytes(0xe2, 0x82), 0, 2)).isFalse(); // truncated
    assertThat(GoQuote.quote(bytes(0xe2, 0x82, 0x41), 0, 3)).isEqualTo("\"\\xe2\\x82A\"");
  }

  // ---- bounded work and hostile request targets (issue 9, rows 1 and 6)

  @Test
  void moreLabelPairsThanTheLimitAre400AndTheLimitItselfParses() {
    assertThatThrownBy(() -> GroupingKeyParser.parse(reversedLabels(GroupingKeyParser.MAX_LABEL_PAIRS + 1)))
        .isInstanceOfSatisfying(InvalidPushPathException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).isEqualTo("too many labels in the grouping key: 1001 label pairs, pushring's limit is 1000"
              + " (a Pushgateway holding such a group slows down every push to it)");
        });
    // 30,000 pairs in reverse order: the path that kept an event loop busy for seconds is refused at once.
    assertThatThrownBy(() -> GroupingKeyParser.parse(reversedLabels(30_000)))
        .isInstanceOfSatisfying(InvalidPushPathException.class, e -> assertThat(e.getMessage()).contains("30000 label pairs"));

    GroupingKey atLimit = GroupingKeyParser.parse(reversedLabels(GroupingKeyParser.MAX_LABEL_PAIRS));
    assertThat(atLimit.labels()).hasSize(GroupingKeyParser.MAX_LABEL_PAIRS + 1);
    assertThat(new String(atLimit.labels().get("l0"), StandardCharsets.UTF_8)).isEqualTo("v0");
    assertThat(atLimit.labels().firstKey()).isEqualTo("job");
  }

  /** The merge sort beyond 16 labels against a plain model: sorted names, the last duplicate wins, the URL job wins. */
  @Test
  void manyLabelsSortLikeTheModelWithTheLastDuplicateWinning() {
    java.util.Random random = new java.util.Random(9);
    String[] names = {"a", "b", "ab", "aa", "a_", "A", "_", "job", "b1", "zz", "instance", "x"};
    for (int round = 0; round < 400; round++) {
      int count = round < 50 ? round : 1 + random.nextInt(GroupingKeyParser.MAX_LABEL_PAIRS);
      boolean fewNames = random.nextBoolean();
      StringBuilder path = new StringBuilder("/metrics/job/j").append(round);
      Map<String, String> model = new java.util.TreeMap<>();
      for (int i = 0; i < count; i++) {
        String name = fewNames ? names[random.nextInt(names.length)] : "n" + random.nextInt(count * 2 + 1);
        String value = "v" + i;
        path.append('/').append(name).append('/').append(value);
        model.put(name, value);
      }
      model.put("job", "j" + round);
      GroupingKey key = GroupingKeyParser.parse(path.toString());
      assertThat(asStrings(key.labels())).as("round %d, %d labels", round, count).isEqualTo(model);
      assertThat(key.canonical()).isEqualTo(canonicalOf(model));
    }
  }

  @Test
  void controlBytesAndSpacesAnywhereInTheTargetAre400LikeGo() {
    for (int b : new int[] {0x00, 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x0d, 0x0e, 0x1f, 0x7f}) {
      String c = String.valueOf((char) b);
      for (String[] target : new String[][] {{"/metrics/job/a" + c, null}, {"/metrics/job/a", "x" + c + "y"},
          {"/metrics/job/%zz", c}, {"/nowhere", c}}) {
        assertThatThrownBy(() -> GroupingKeyParser.parse(target[0], target[1])).as("0x%02x in %s", b, (Object) target)
            .isInstanceOfSatisfying(InvalidPushPathException.class, e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).isEqualTo("invalid control character in URL");
            });
      }
    }
    for (String[] target : new String[][] {{"/metrics/job/a b", null}, {"/metrics/job/a", "x y"}}) {
      assertThatThrownBy(() -> GroupingKeyParser.parse(target[0], target[1]))
          .isInstanceOfSatisfying(InvalidPushPathException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).isEqualTo("invalid space in URL (percent-encode it as %20)");
          });
    }
    // Go lets anything else through in the query (the Pushgateway ignores it), bad escapes and '#' included.
    assertThat(GroupingKeyParser.parse("/metrics/job/a", "%zz#x?\u00ff\"\u0080")).isEqualTo(GroupingKeyParser.parse("/metrics/job/a"));
    // and a raw '#' is a path byte, as for the Pushgateway, which stores job="x#frag".
    assertThat(asStrings(GroupingKeyParser.parse("/metrics/job/x#frag").labels())).containsEntry("job", "x#frag");
  }

  private static String reversedLabels(int pairs) {
    StringBuilder path = new StringBuilder("/metrics/job/big");
    for (int i = pairs - 1; i >= 0; i--) path.append("/l").append(i).append("/v").append(i);
    return path.toString();
  }

  // ---- helpers

  private static Map<String, String> asStrings(SortedMap<String, byte[]> labels) {
    Map<String, String> m = new LinkedHashMap<>();
    labels.forEach((k, v) -> m.put(k, new String(v, StandardCharsets.UTF_8)));
    return m;
  }

  private static Map<String, String> sorted(Map<String, String> m) {
    return new LinkedHashMap<>(new java.util.TreeMap<>(m));
  }

  private static byte[] canonicalOf(Map<String, String> labels) {
    List<Object> parts = new ArrayList<>();
    new java.util.TreeMap<>(labels).forEach((k, v) -> {
      if (!parts.isEmpty()) parts.add((byte) 0xff);
      parts.add(k);
      parts.add((byte) 0xff);
      parts.add(v.getBytes(StandardCharsets.UTF_8));
    });
    return concat(parts.toArray());
  }

  private static byte[] concat(Object... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String s) out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
      else if (p instanceof Byte b) out.write(b);
      else out.writeBytes((byte[]) p);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
    return b;
  }
}
