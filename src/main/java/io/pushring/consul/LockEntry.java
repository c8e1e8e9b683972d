package io.pushring.consul;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The lock key as one read of {@code GET /v1/kv/<key>} shows it: the {@code X-Consul-Index} of the
 * answer, the session holding the key ("" when none, or when there is no key) and its value (the
 * holder's identity). Pure.
 */
public record LockEntry(long index, String session, String value) {

  /** No holder. */
  public boolean free() {
    return session.isEmpty();
  }

  /**
   * Parses an answer: {@code 200} with a one-element JSON array, or {@code 404} (no key: no holder;
   * Consul still sends the index, so a blocking read can wait for the key to appear).
   *
   * @throws IllegalArgumentException on any other status, a missing index or a body that is not
   *     Consul's
   */
  public static LockEntry parse(int status, String indexHeader, String body) {
    long index;
    try {
      index = Long.parseUnsignedLong(indexHeader == null ? "" : indexHeader.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("no X-Consul-Index in the answer (got " + indexHeader + ")");
    }
    if (status == 404) return new LockEntry(index, "", "");
    if (status != 200) throw new IllegalArgumentException("HTTP " + status + ": " + oneLine(body));
    try {
      JsonArray entries = new JsonArray(body);
      if (entries.isEmpty()) return new LockEntry(index, "", "");
      JsonObject entry = entries.getJsonObject(0);
      String session = entry.getString("Session");
      String value = entry.getString("Value");
      return new LockEntry(index, session == null ? "" : session,
          value == null ? "" : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a Consul KV answer: " + oneLine(body));
    }
  }

  private static String oneLine(String s) {
    String t = s == null ? "" : s.replaceAll("\\s+", " ").strip();
    return t.length() > 200 ? t.substring(0, 200) + "..." : t;
  }
}
