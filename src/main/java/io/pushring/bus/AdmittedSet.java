package io.pushring.bus;

import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The Pushgateways Prometheus may scrape: the ring members the reconciler has admitted (read by a
 * completed pass and found holding no copy older than another member's copy of the same group), as
 * the reconciling instance published them. Immutable; kept in the LocalMap {@value #MAP} under
 * {@value #KEY} (by the Consul KV watcher in Consul mode, by the reconciler itself in static mode)
 * and read by {@code GET /sd/pushgateways}. Its JSON ({@link #toJson()}) is what Consul KV holds.
 *
 * @param members        the admitted members, by id, each with the time it was admitted
 * @param ringVersion    the publisher's ring version (versions are per instance: informational)
 * @param ringFingerprint the publisher's ring, comparable across instances
 * @param publishedAtMillis when it was published (every pass publishes: a heartbeat)
 * @param dryRun         the reconciler runs dry: every ring member is listed, {@code wouldAdmit} says
 *                       which a real pass would have admitted
 * @param wouldAdmit     ids (dry run only; empty otherwise)
 */
public record AdmittedSet(List<Admitted> members, long ringVersion, String ringFingerprint, long publishedAtMillis,
    boolean dryRun, List<String> wouldAdmit) implements Shareable {
  public static final String MAP = "pushring.admission";
  public static final String KEY = "admitted";

  /** One admitted member and since when (epoch millis). */
  public record Admitted(Member member, long sinceMillis) {
    public Admitted {
      Objects.requireNonNull(member, "member");
    }
  }

  public AdmittedSet {
    List<Admitted> sorted = new ArrayList<>(members);
    sorted.sort(Comparator.comparing(a -> a.member().id()));
    members = List.copyOf(sorted);
    Objects.requireNonNull(ringFingerprint, "ringFingerprint");
    wouldAdmit = List.copyOf(wouldAdmit);
  }

  public static void publish(Vertx vertx, AdmittedSet set) {
    vertx.sharedData().<String, AdmittedSet>getLocalMap(MAP).put(KEY, set);
  }

  /** The last set this instance received, or null when none was published (yet). */
  public static AdmittedSet current(Vertx vertx) {
    return vertx.sharedData().<String, AdmittedSet>getLocalMap(MAP).get(KEY);
  }

  /**
   * The admitted members that are in {@code ring} too (same id and address). The publisher drops a
   * member that leaves the ring at once; this instance's own ring may see the leave first.
   */
  public List<Admitted> inRing(Ring ring) {
    if (ring == null) return List.of();
    List<Admitted> out = new ArrayList<>(members.size());
    for (Admitted a : members) if (ring.members().contains(a.member())) out.add(a);
    return out;
  }

  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    for (Admitted a : members) {
      list.add(new JsonObject().put("id", a.member().id()).put("host", a.member().host()).put("port", a.member().port())
          .put("sinceMillis", a.sinceMillis()));
    }
    return new JsonObject().put("members", list).put("ringVersion", ringVersion).put("ringFingerprint", ringFingerprint)
        .put("publishedAtMillis", publishedAtMillis).put("dryRun", dryRun).put("wouldAdmit", new JsonArray(wouldAdmit));
  }

  /** Parses {@link #toJson()}'s form; throws IllegalArgumentException (with what is wrong) on anything else. */
  public static AdmittedSet fromJson(String json) {
    try {
      JsonObject o = new JsonObject(json);
      List<Admitted> members = new ArrayList<>();
      for (Object each : o.getJsonArray("members")) {
        JsonObject m = (JsonObject) each;
        members.add(new Admitted(new Member(m.getString("id"), m.getString("host"), m.getInteger("port")),
            m.getLong("sinceMillis")));
      }
      List<String> would = new ArrayList<>();
      JsonArray w = o.getJsonArray("wouldAdmit", new JsonArray());
      for (Object each : w) would.add((String) each);
      return new AdmittedSet(members, o.getLong("ringVersion", 0L), o.getString("ringFingerprint", ""),
          o.getLong("publishedAtMillis", 0L), o.getBoolean("dryRun", false), would);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not an admitted set: " + e.getMessage(), e);
    }
  }
}
