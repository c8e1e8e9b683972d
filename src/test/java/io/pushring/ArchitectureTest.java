package io.pushring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.PushringConfig.PlacementKey;
import io.pushring.ring.Placement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layers of {@code src/main}, read from the sources: every reference to another
 * pushring package (an import, a static import or a fully qualified name in code; comments and
 * string literals do not count) must point to a strictly lower layer, and no cycle may exist
 * between packages. Packages of one layer are independent of each other. A package that is not
 * declared here fails the test: place it in a layer (README, "Architecture").
 *
 * <p>A plain reading of the sources rather than ArchUnit: the rule is twenty lines, needs no new
 * dependency, and sees {@code src/main} as written (ArchUnit reads byte code, where constants are
 * inlined and a reference through a {@code static final} field disappears).
 */
class ArchitectureTest {
  /** Bottom first. The root package {@code io.pushring} (the composition root) is {@value #APP}. */
  static final List<Set<String>> LAYERS = List.of(
      Set.of("hash", "key", "tls"),          // pure: hashing, the Pushgateway's grouping key, certificate names
      Set.of("ring", "config"),              // pure: placement and ring; the configuration model
      Set.of("bus"),                         // what verticles share: LocalMap entries, event-bus addresses
      Set.of("metrics", "consul", "upstream"),  // meters; everything that speaks Consul; how the Pushgateways are reached
      Set.of("tap", "proxy", "web"),         // what routers hand work to: the tap's fan-out, the proxy exchange, the web config
      Set.of("discovery", "registrar", "router", "reconcile"),  // the verticles
      Set.of(ArchitectureTest.APP));
  static final String APP = "(app)";

  private static final Pattern REFERENCE = Pattern.compile("\\bio\\.pushring((?:\\.[a-z][a-z0-9_]*)*)\\.[A-Z*]");
  private static final Pattern PACKAGE = Pattern.compile("^package\\s+io\\.pushring((?:\\.[a-z][a-z0-9_]*)*)\\s*;", Pattern.MULTILINE);

  @Test
  void mainHasNoCycleAndNoUpwardOrSidewaysEdge() throws IOException {
    Map<String, Set<String>> graph = graphOf(sources(Path.of("src/main/java")));
    assertThat(graph).as("packages read").containsKeys("", "ring", "router", "consul", "bus");
    assertThat(violations(graph)).isEmpty();
  }

  /** The checker itself: it must see an upward edge, a sideways edge, a cycle and an undeclared package. */
  @Test
  void theCheckerFindsWhatItLooksFor() {
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put("ring/Ring.java", "package io.pushring.ring;\nimport io.pushring.router.RouterVerticle;\nclass Ring {}");
    sources.put("router/R.java", "package io.pushring.router;\nclass R { Object x = io.pushring.ring.Ring.class; }");
    sources.put("config/C.java", "package io.pushring.config;\n// io.pushring.ring.Ring in a comment does not count\n"
        + "class C { String s = \"io.pushring.ring.X\"; io.pushring.ring.Placement p; }");
    sources.put("router/sub/S.java", "package io.pushring.router.sub;\nimport io.pushring.router.R;\nclass S {}");
    sources.put("router/T.java", "package io.pushring.router;\nimport static io.pushring.router.sub.S.x;\nclass T {}");
    sources.put("misc/M.java", "package io.pushring.misc;\nclass M {}");
    Map<String, Set<String>> graph = graphOf(sources);
    assertThat(graph.get("config")).containsExactly("ring");   // the code reference only
    List<String> found = violations(graph);
    assertThat(found).anySatisfy(v -> assertThat(v).contains("ring -> router").contains("upward"));
    assertThat(found).anySatisfy(v -> assertThat(v).contains("config -> ring").contains("same layer"));
    assertThat(found).anySatisfy(v -> assertThat(v).contains("cycle").contains("router.sub"));
    assertThat(found).anySatisfy(v -> assertThat(v).contains("misc").contains("not declared"));
  }

  /** {@code placement.key} names a placement; the configuration model does not import ring, so the two lists are compared here. */
  @Test
  void placementKeyNamesAreThePlacements() {
    assertThat(Arrays.stream(PlacementKey.values()).map(PlacementKey::configName))
        .containsExactlyElementsOf(Arrays.stream(Placement.values()).map(Placement::configName).toList());
    for (PlacementKey k : PlacementKey.values()) {
      assertThat(Placement.fromConfigName(k.configName()).name()).isEqualTo(k.name());
    }
  }

  // ---- the checker ----

  private static Map<String, String> sources(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
        try {
          out.put(root.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return out;
  }

  /** Package (below io.pushring, "" for the root) to the packages it references. */
  static Map<String, Set<String>> graphOf(Map<String, String> sources) {
    Map<String, Set<String>> graph = new TreeMap<>();
    sources.forEach((file, text) -> {
      Matcher pm = PACKAGE.matcher(text);
      if (!pm.find()) return;
      String from = trimDot(pm.group(1));
      Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
      Matcher rm = REFERENCE.matcher(withoutCommentsAndStrings(text));
      while (rm.find()) {
        String target = trimDot(rm.group(1));
        if (!target.equals(from)) to.add(target);
      }
    });
    return graph;
  }

  static List<String> violations(Map<String, Set<String>> graph) {
    List<String> out = new ArrayList<>();
    Set<String> all = new TreeSet<>(graph.keySet());
    graph.values().forEach(all::addAll);
    for (String p : all) {
      if (layer(p) < 0) out.add(display(p) + ": package not declared in ArchitectureTest.LAYERS");
    }
    graph.forEach((from, targets) -> {
      for (String to : targets) {
        if (top(from).equals(top(to))) continue;   // sub-packages of one package: only the cycle rule
        int lf = layer(from);
        int lt = layer(to);
        if (lf < 0 || lt < 0) continue;
        if (lt > lf) out.add(display(from) + " -> " + display(to) + ": upward edge");
        else if (lt == lf) out.add(display(from) + " -> " + display(to) + ": edge within the same layer");
      }
    });
    cycles(graph, out);
    return out;
  }

  private static void cycles(Map<String, Set<String>> graph, List<String> out) {
    Map<String, Integer> state = new TreeMap<>();   // 1 = on the path, 2 = done
    for (String start : graph.keySet()) visit(start, graph, state, new ArrayList<>(), out);
  }

  private static void visit(String p, Map<String, Set<String>> graph, Map<String, Integer> state, List<String> path,
      List<String> out) {
    Integer s = state.get(p);
    if (s != null && s == 2) return;
    if (s != null && s == 1) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(p), path.size()));
      cycle.add(p);
      out.add("cycle: " + String.join(" -> ", cycle.stream().map(ArchitectureTest::display).toList()));
      return;
    }
    state.put(p, 1);
    path.add(p);
    for (String next : graph.getOrDefault(p, Set.of())) visit(next, graph, state, path, out);
    path.remove(path.size() - 1);
    state.put(p, 2);
  }

  private static int layer(String pkg) {
    String top = top(pkg);
    for (int i = 0; i < LAYERS.size(); i++) if (LAYERS.get(i).contains(top)) return i;
    return -1;
  }

  private static String top(String pkg) {
    if (pkg.isEmpty()) return APP;
    int dot = pkg.indexOf('.');
    return dot < 0 ? pkg : pkg.substring(0, dot);
  }

  private static String display(String pkg) {
    return pkg.isEmpty() ? "io.pushring" : pkg;
  }

  private static String trimDot(String group) {
    return group.isEmpty() ? "" : group.substring(1);
  }

  /** The text with comments, string and char literals blanked (text blocks included). */
  static String withoutCommentsAndStrings(String s) {
    StringBuilder b = new StringBuilder(s.length());
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
        while (i < n && s.charAt(i) != '\n') i++;
      } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        b.append(' ');
      } else if (s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        i = end < 0 ? n : end + 3;
        b.append("\"\"");
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < n && s.charAt(j) != c) j += s.charAt(j) == '\\' ? 2 : 1;
        i = j + 1;
        b.append(c).append(c);
      } else {
        b.append(c);
        i++;
      }
    }
    return b.toString();
  }
}
