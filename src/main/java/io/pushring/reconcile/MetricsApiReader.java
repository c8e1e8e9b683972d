package io.pushring.reconcile;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.key.InvalidPushPathException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a Pushgateway's {@code GET /api/v1/metrics} answer (1.5.x, {@code api/v1/api.go}) as a
 * stream, with Jackson's pull parser: the answer of a Pushgateway holding 100,000 groups is hundreds
 * of megabytes, so it is never held whole. The shape:
 * <pre>
 * {"status":"success","data":[
 *   {"labels":{"job":"j",...}, "last_push_successful":true,
 *    "push_time_seconds":{"time_stamp":"...","type":"GAUGE","help":"...","metrics":[{"labels":{...},"value":"1.7e+09"}]},
 *    "push_failure_time_seconds":{...same...},
 *    "&lt;family&gt;":{"time_stamp":"...","type":"COUNTER|GAUGE|UNTYPED","help":"...",
 *                "metrics":[{"labels":{...},"value":"3"}]},
 *    "&lt;summary&gt;":{... "metrics":[{"labels":{...},"quantiles":{"0.5":"1"},"count":"5","sum":"10"}]},
 *    "&lt;histogram&gt;":{... "metrics":[{"labels":{...},"buckets":{"+Inf":"3","0.1":"1"},"count":"3","sum":"1.5"}]}
 *   }, ...]}
 * </pre>
 * Go writes map keys sorted, so a group's {@code labels} may come after its families: the group
 * object is read to its end before it is named. Families and the group's fields share one JSON
 * object; a family called {@code labels} replaces the group's labels (the group is then reported
 * as unnamed) and one called {@code last_push_successful} replaces that flag (which is not used).
 * There are no per-sample timestamps: Pushgateway 1.5.1 refuses pushes that carry them.
 */
public final class MetricsApiReader {
  private static final JsonFactory JSON = new JsonFactory();
  static final String PUSH_TIME = "push_time_seconds";
  static final String PUSH_FAILURE_TIME = "push_failure_time_seconds";

  private MetricsApiReader() {}

  /** Every group with its key and push times; families are skipped, never materialised. */
  public static MemberGroups readGroups(InputStream in) throws IOException {
    List<GroupSnapshot> groups = new ArrayList<>();
    List<String> unnamed = new ArrayList<>();
    read(in, false, group -> {
      if (group.key == null) unnamed.add(group.problem);
      else groups.add(new GroupSnapshot(group.key, group.pushTime, group.failureTime));
    });
    return new MemberGroups(groups, unnamed);
  }

  /**
   * The families of the groups in {@code wanted} (others are parsed one at a time and dropped, so
   * memory stays at one group plus the result).
   */
  public static Map<GroupingKey, GroupFamilies> readFamilies(InputStream in, Set<GroupingKey> wanted) throws IOException {
    Map<GroupingKey, GroupFamilies> out = new HashMap<>();
    read(in, true, group -> {
      if (group.key != null && wanted.contains(group.key)) {
        out.put(group.key, new GroupFamilies(group.key, new TreeMap<>(group.labels), group.pushTime, group.families));
      }
    });
    return out;
  }

  /** One group object as read; {@code key} null (and {@code problem} set) when it cannot be named. */
  private static final class Group {
    GroupingKey key;
    String problem;
    Map<String, String> labels;
    double pushTime;
    double failureTime;
    final List<MetricFamily> families = new ArrayList<>();
  }

  private interface GroupSink {
    void accept(Group group);
  }

  private static void read(InputStream in, boolean withFamilies, GroupSink sink) throws IOException {
    try (JsonParser p = JSON.createParser(in)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, "the answer");
      String status = null;
      boolean sawData = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("status")) {
          status = p.getValueAsString();
        } else if (field.equals("data")) {
          sawData = true;
          expect(p, t, JsonToken.START_ARRAY, "data");
          while (p.nextToken() == JsonToken.START_OBJECT) sink.accept(readGroup(p, withFamilies));
        } else {
          p.skipChildren();
        }
      }
      if (!"success".equals(status)) throw new IOException("API status is " + status + ", not success");
      if (!sawData) throw new IOException("API answer has no data");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("malformed API answer: " + e.getOriginalMessage(), e);
    }
  }

  /** Reads from the group's START_OBJECT to its END_OBJECT. */
  private static Group readGroup(JsonParser p, boolean withFamilies) throws IOException {
    Group g = new Group();
    boolean labelsReplaced = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "labels" -> {
          expect(p, t, JsonToken.START_OBJECT, "labels");
          Map<String, String> labels = new TreeMap<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_STRING) {
              labels.put(name, p.getText());
            } else {
              labelsReplaced = true; // a family named "labels" (its type, help, metrics)
              p.skipChildren();
            }
          }
          g.labels = labels;
        }
        case PUSH_TIME -> g.pushTime = firstValue(p, t, field);
        case PUSH_FAILURE_TIME -> g.failureTime = firstValue(p, t, field);
        default -> {
          if (withFamilies && t == JsonToken.START_OBJECT) g.families.add(readFamily(p, field));
          else p.skipChildren();
        }
      }
    }
    if (labelsReplaced) {
      g.problem = "a group with a metric family named \"labels\" (its grouping labels are not in the API answer)";
    } else if (g.labels == null) {
      g.problem = "a group without labels";
    } else {
      try {
        g.key = GroupingKeyParser.fromLabels(g.labels);
      } catch (InvalidPushPathException e) {
        g.problem = "group " + g.labels + ": " + e.getMessage();
      }
    }
    return g;
  }

  /** The value of the first metric of push_time_seconds / push_failure_time_seconds. */
  private static double firstValue(JsonParser p, JsonToken t, String family) throws IOException {
    expect(p, t, JsonToken.START_OBJECT, family);
    double value = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if (field.equals("metrics") && v == JsonToken.START_ARRAY) {
        boolean first = true;
        while (p.nextToken() == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            p.nextToken();
            if (first && f.equals("value")) value = number(p, family);
            else p.skipChildren();
          }
          first = false;
        }
      } else {
        p.skipChildren();
      }
    }
    return value;
  }

  private static MetricFamily readFamily(JsonParser p, String name) throws IOException {
    MetricType type = null;
    String help = "";
    List<Sample> samples = new ArrayList<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "type" -> type = MetricType.fromApi(p.getText());
        case "help" -> help = p.getText();
        case "metrics" -> {
          expect(p, t, JsonToken.START_ARRAY, name + ".metrics");
          while (p.nextToken() == JsonToken.START_OBJECT) samples.add(readSample(p, name));
        }
        default -> p.skipChildren();
      }
    }
    if (type == null) throw new IOException("family " + name + " has no type");
    return new MetricFamily(name, type, help, samples);
  }

  private static Sample readSample(JsonParser p, String family) throws IOException {
    Map<String, String> labels = Map.of();
    String value = null;
    String count = null;
    String sum = null;
    Map<String, String> quantiles = Map.of();
    Map<String, String> buckets = Map.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "labels" -> labels = stringMap(p, t, family + " labels");
        case "value" -> value = numberText(p, family);
        case "count" -> count = numberText(p, family);
        case "sum" -> sum = numberText(p, family);
        case "quantiles" -> quantiles = stringMap(p, t, family + " quantiles");
        case "buckets" -> buckets = stringMap(p, t, family + " buckets");
        default -> p.skipChildren();
      }
    }
    for (Map.Entry<String, String> e : quantiles.entrySet()) checkNumbers(e, family);
    for (Map.Entry<String, String> e : buckets.entrySet()) checkNumbers(e, family);
    return new Sample(new TreeMap<>(labels), value, Sample.sortedBounds(quantiles), Sample.sortedBounds(buckets), count, sum);
  }

  private static void checkNumbers(Map.Entry<String, String> e, String family) throws IOException {
    if (!GoFloat.isNumber(e.getKey()) || !GoFloat.isNumber(e.getValue())) {
      throw new IOException("family " + family + ": not a number in " + e);
    }
  }

  private static Map<String, String> stringMap(JsonParser p, JsonToken t, String what) throws IOException {
    expect(p, t, JsonToken.START_OBJECT, what);
    Map<String, String> m = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String k = p.currentName();
      expect(p, p.nextToken(), JsonToken.VALUE_STRING, what + "." + k);
      m.put(k, p.getText());
    }
    return m;
  }

  private static String numberText(JsonParser p, String family) throws IOException {
    String s = p.getValueAsString();
    if (s == null || !GoFloat.isNumber(s)) throw new IOException("family " + family + ": not a number: " + p.getText());
    return s;
  }

  private static double number(JsonParser p, String family) throws IOException {
    return GoFloat.parse(numberText(p, family));
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected, String what) throws IOException {
    if (actual != expected) {
      throw new IOException("malformed API answer: " + what + " is " + actual + ", expected " + expected
          + " at " + p.currentLocation());
    }
  }
}
