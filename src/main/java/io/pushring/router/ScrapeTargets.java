package io.pushring.router;

import io.pushring.bus.AdmittedSet;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /sd/pushgateways}: the Pushgateways Prometheus may scrape, in Prometheus's HTTP service
 * discovery format ({@code http_sd_configs}: a JSON array of {@code {"targets": [...], "labels":
 * {...}}}), one target group per Pushgateway so each carries its own labels. The labels are all
 * {@code __meta_pushring_*}: Prometheus drops {@code __meta_*} labels after relabelling, so none of
 * them reaches a scraped series unless a relabel rule copies it (the shipped configuration copies
 * none: a pushed group must stay one series wherever it lives).
 *
 * <p>Which Pushgateways: with the reconciler on ({@code reconcile.enabled}), the admitted set the
 * reconciling instance published that is also in this instance's ring; before any was published,
 * none. With it off, every ring member (nothing decides otherwise).
 */
final class ScrapeTargets {
  static final String META_ID = "__meta_pushring_member_id";
  static final String META_SINCE = "__meta_pushring_admitted_since";

  private ScrapeTargets() {}

  static JsonArray of(boolean admissionEnabled, Ring ring, AdmittedSet admitted) {
    JsonArray groups = new JsonArray();
    if (ring == null) return groups;
    if (!admissionEnabled) {
      for (Member m : ring.members()) groups.add(group(m, null));
      return groups;
    }
    if (admitted == null) return groups;
    List<AdmittedSet.Admitted> listed = admitted.inRing(ring);
    for (AdmittedSet.Admitted a : listed) groups.add(group(a.member(), Instant.ofEpochMilli(a.sinceMillis()).toString()));
    return groups;
  }

  private static JsonObject group(Member m, String since) {
    JsonObject labels = new JsonObject().put(META_ID, m.id());
    if (since != null) labels.put(META_SINCE, since);
    return new JsonObject().put("targets", new JsonArray().add(m.address())).put("labels", labels);
  }
}
