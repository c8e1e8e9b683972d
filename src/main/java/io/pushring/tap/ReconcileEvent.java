package io.pushring.tap;

import io.pushring.key.GroupingKey;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * One thing the reconciler did or planned, as the tap shows it ({@code event: reconcile}). Built on
 * the reconciler's worker only while someone subscribes ({@link TapSwitch#active}); the JSON is
 * made by the hub.
 *
 * @param tsMillis      epoch millis
 * @param ringVersion   the ring the pass planned for
 * @param action        {@code delete} (a stale copy off its owner), {@code delete-owner} (a stale
 *                      copy on its owner, a newer one elsewhere), {@code migrate}, {@code read} (a
 *                      member's group list), or {@code pass} (the summary of a pass)
 * @param result        {@code done}, {@code planned} (dry run), {@code skipped} (the copies changed
 *                      since the plan, or the cap was reached), {@code error}; for a pass:
 *                      {@code done}, {@code capped}, {@code aborted} or {@code dry-run}
 * @param groupingKey   the group, null for {@code read} and {@code pass}
 * @param from          id of the member whose copy is deleted or moved (the member read), else null
 * @param fromAddress   its host:port
 * @param to            id of the member that keeps or receives the newest copy, else null
 * @param toAddress     its host:port
 * @param pushTime      push time (Unix seconds) of the copy on {@code from}; NaN when none
 * @param toPushTime    push time of the copy on {@code to} when the plan was made (0: it had none); NaN when none
 * @param reason        why it was skipped or failed, else null
 * @param summary       the pass's figures (action {@code pass} only), else null
 */
public record ReconcileEvent(long tsMillis, long ringVersion, String action, String result, GroupingKey groupingKey,
                             String from, String fromAddress, String to, String toAddress, double pushTime,
                             double toPushTime, String reason, Map<String, Object> summary) {
  public ReconcileEvent {
    summary = summary == null ? null : Map.copyOf(summary);
  }

  /** The job label value, null for an event without a group. */
  public String job() {
    return groupingKey == null ? null : groupingKey.job();
  }

  /** The JSON sent to subscribers, fields in a fixed reading order, absent fields left out. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("type", "reconcile")
        .put("ts", Instant.ofEpochMilli(tsMillis).toString())
        .put("action", action)
        .put("result", result)
        .put("ringVersion", ringVersion);
    if (groupingKey != null) {
      json.put("key", groupingKey.printable()).put("job", groupingKey.job());
      JsonObject labels = new JsonObject();
      groupingKey.labels().forEach((name, value) -> labels.put(name, new String(value, StandardCharsets.UTF_8)));
      json.put("labels", labels);
    }
    if (from != null) json.put("from", from).put("fromAddress", fromAddress);
    if (to != null) json.put("to", to).put("toAddress", toAddress);
    if (!Double.isNaN(pushTime)) json.put("pushTime", pushTime);
    if (!Double.isNaN(toPushTime)) json.put("toPushTime", toPushTime);
    if (reason != null) json.put("reason", reason);
    if (summary != null) new java.util.TreeMap<>(summary).forEach(json::put);
    return json;
  }

  /** Does it concern {@code member} (an id or a host:port)? */
  boolean concerns(String member) {
    return member.equals(from) || member.equals(fromAddress) || member.equals(to) || member.equals(toAddress);
  }
}
