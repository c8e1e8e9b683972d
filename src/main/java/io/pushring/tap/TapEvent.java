package io.pushring.tap;

import io.pushring.key.GroupingKey;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One routing decision as the tap shows it. Immutable; a router builds it (only while someone
 * subscribes) from what it already holds, and the tap's fan-out derives the rest ({@link #key()},
 * {@link #job()}, the JSON) off the router's event loop.
 *
 * @param tsMillis    epoch millis of the decision
 * @param method      HTTP method as received
 * @param path        the raw request path (still percent-encoded), without the query
 * @param groupingKey the parsed key, null when the path did not parse
 * @param member      ring member id, null when none was chosen
 * @param address     its host:port, null when none was chosen
 * @param decision    redirect, proxy, lookup, reject or unavailable
 * @param status      the HTTP status answered
 * @param ringVersion version of the ring consulted (0 before the first)
 * @param micros      time in pushring, from request to answer, in microseconds
 * @param reason      why: the refusal's message, or the rule that chose redirect or proxy
 *                    ({@code RedirectPolicy.Rule#reason}); null for a lookup
 */
public record TapEvent(long tsMillis, String method, String path, GroupingKey groupingKey, String member,
                       String address, String decision, int status, long ringVersion, long micros,
                       String reason) {

  /** Printable grouping key ({@code {instance="a",job="b"}}), null when the path did not parse. */
  public String key() {
    return groupingKey == null ? null : groupingKey.printable();
  }

  /** The job label value, null when the path did not parse. */
  public String job() {
    return groupingKey == null ? null : groupingKey.job();
  }

  /**
   * The JSON sent to subscribers, fields in a fixed reading order ({@code ts} first, ISO-8601 UTC),
   * absent fields left out rather than null.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("ts", Instant.ofEpochMilli(tsMillis).toString())
        .put("method", method)
        .put("path", path);
    String key = key();
    if (key != null) json.put("key", key);
    if (member != null) json.put("member", member);
    json.put("decision", decision).put("status", status).put("ringVersion", ringVersion).put("micros", micros);
    String job = job();
    if (job != null) json.put("job", job);
    if (address != null) json.put("address", address);
    if (reason != null) json.put("reason", reason);
    return json;
  }
}
