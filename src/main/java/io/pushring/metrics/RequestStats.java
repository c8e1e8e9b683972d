package io.pushring.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code pushring_requests_total} as JSON for the status page, which turns successive snapshots into
 * rates: one entry per (member, decision) with the count summed over methods and codes.
 */
public final class RequestStats {
  private RequestStats() {}

  public static JsonArray byMemberAndDecision(MeterRegistry registry) {
    Map<String, Double> sums = new TreeMap<>();
    for (Counter c : registry.find(RequestMetrics.NAME).counters()) {
      String key = c.getId().getTag("member") + "\u0000" + c.getId().getTag("decision");
      sums.merge(key, c.count(), Double::sum);
    }
    JsonArray out = new JsonArray();
    sums.forEach((key, count) -> {
      int sep = key.indexOf('\u0000');
      out.add(new JsonObject()
          .put("member", key.substring(0, sep))
          .put("decision", key.substring(sep + 1))
          .put("count", count.longValue()));
    });
    return out;
  }
}
