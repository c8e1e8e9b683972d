package io.pushring.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the sample lines of Prometheus text exposition (0.0.4) for assertions: name, labels
 * (quoted values with \\, \" and \n escapes), value. Strict: a line it cannot read fails the test.
 * Validity against Prometheus itself is what {@link PrometheusServer} checks.
 */
record PromText(List<Sample> samples) {
  record Sample(String name, Map<String, String> labels, double value) {}

  static PromText parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) continue;
      out.add(sample(line));
    }
    return new PromText(out);
  }

  private static Sample sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
    String name = line.substring(0, i);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String label = line.substring(i, eq);
        if (line.charAt(eq + 1) != '"') throw new IllegalArgumentException("unquoted label value: " + line);
        StringBuilder v = new StringBuilder();
        int j = eq + 2;
        for (; line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\') {
            char n = line.charAt(++j);
            v.append(n == 'n' ? '\n' : n);
          } else {
            v.append(c);
          }
        }
        labels.put(label, v.toString());
        i = j + 1;
        if (line.charAt(i) == ',') i++;
      }
      i++;
    }
    String[] rest = line.substring(i).trim().split(" ");
    return new Sample(name, labels, Double.parseDouble(rest[0].replace("+Inf", "Infinity").replace("-Inf", "-Infinity")));
  }

  /** Samples named {@code name} whose labels include every {@code key, value} pair given. */
  List<Sample> find(String name, String... labelPairs) {
    List<Sample> found = new ArrayList<>();
    outer:
    for (Sample s : samples) {
      if (!s.name().equals(name)) continue;
      for (int k = 0; k + 1 < labelPairs.length; k += 2) {
        if (!labelPairs[k + 1].equals(s.labels().get(labelPairs[k]))) continue outer;
      }
      found.add(s);
    }
    return found;
  }

  /** The sum of the matching samples' values (0 when none). */
  double sum(String name, String... labelPairs) {
    return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
  }
}
