package io.pushring.tap;

import io.pushring.metrics.Decision;
import io.vertx.core.MultiMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.DoubleSupplier;

/**
 * What one tap subscriber wants: {@code ?type=&job=&member=&decision=&action=&sample=}. Empty means
 * "any". Each filter given must match: an event without the field filtered on (a refused path has
 * no job, a reconcile event has no decision, a routing decision has no action) does not match.
 *
 * @param types     event kinds, {@code route} (routing decisions) and {@code reconcile} (the
 *                  reconciler's actions); empty = both
 * @param job       exact job label value
 * @param member    ring member id or its host:port (a reconcile event matches on either end)
 * @param decisions accepted decisions (empty = all); the parameter is a comma-separated list
 * @param actions   accepted reconcile actions ({@link #ACTIONS}; empty = all), comma-separated
 * @param sample    fraction of the matching events to send, in (0, 1]
 */
public record TapFilter(Set<String> types, String job, String member, Set<Decision> decisions, Set<String> actions,
                        double sample) {
  public static final TapFilter ALL = new TapFilter("", "", Set.of(), 1.0);
  static final List<String> TYPES = List.of("route", "reconcile");
  static final List<String> ACTIONS = List.of("delete", "delete-owner", "migrate", "read", "pass");

  public TapFilter {
    types = Set.copyOf(types);
    decisions = decisions.isEmpty() ? Set.of() : Set.copyOf(decisions);
    actions = Set.copyOf(actions);
  }

  /** Routing decisions and reconcile events, without a type or action filter. */
  public TapFilter(String job, String member, Set<Decision> decisions, double sample) {
    this(Set.of(), job, member, decisions, Set.of(), sample);
  }

  /**
   * The filter of a request's query parameters.
   *
   * @throws IllegalArgumentException naming the bad parameter
   */
  public static TapFilter parse(MultiMap params) {
    String job = params.get("job") == null ? "" : params.get("job");
    String member = params.get("member") == null ? "" : params.get("member");
    Set<Decision> decisions = EnumSet.noneOf(Decision.class);
    String decisionParam = params.get("decision");
    if (decisionParam != null && !decisionParam.isBlank()) {
      for (String part : decisionParam.split(",")) {
        String label = part.strip().toLowerCase(Locale.ROOT);
        if (label.isEmpty()) continue;
        Decision d = Decision.ofLabel(label);
        if (d == null) {
          throw new IllegalArgumentException("decision: expected redirect, proxy, lookup, reject or unavailable"
              + " (comma-separated), got \"" + part.strip() + "\"");
        }
        decisions.add(d);
      }
    }
    double sample = 1.0;
    String sampleParam = params.get("sample");
    if (sampleParam != null && !sampleParam.isBlank()) {
      try {
        sample = Double.parseDouble(sampleParam.strip());
      } catch (NumberFormatException e) {
        sample = Double.NaN;
      }
      if (!(sample > 0 && sample <= 1)) {
        throw new IllegalArgumentException("sample: expected a fraction in (0, 1], e.g. 0.1, got \"" + sampleParam + "\"");
      }
    }
    Set<String> types = words(params, "type", TYPES);
    Set<String> actions = words(params, "action", ACTIONS);
    return new TapFilter(types, job, member, decisions, actions, sample);
  }

  /** A comma-separated parameter whose words must be among {@code allowed}. */
  private static Set<String> words(MultiMap params, String name, List<String> allowed) {
    String param = params.get(name);
    if (param == null || param.isBlank()) return Set.of();
    Set<String> out = new java.util.LinkedHashSet<>();
    for (String part : param.split(",")) {
      String word = part.strip().toLowerCase(Locale.ROOT);
      if (word.isEmpty()) continue;
      if (!allowed.contains(word)) {
        throw new IllegalArgumentException(name + ": expected " + String.join(", ", allowed) + " (comma-separated), got \""
            + part.strip() + "\"");
      }
      out.add(word);
    }
    return out;
  }

  /** Does {@code e} pass the job, member and decision filters? (Sampling is separate.) */
  public boolean matches(TapEvent e) {
    return matches(e, job.isEmpty() ? null : e.job());
  }

  /** The same, with the event's job worked out by the caller once for all subscribers (null: unknown or none). */
  boolean matches(TapEvent e, String eventJob) {
    if (!types.isEmpty() && !types.contains("route")) return false;
    if (!actions.isEmpty()) return false;
    if (!job.isEmpty() && !job.equals(eventJob != null ? eventJob : e.job())) return false;
    if (!member.isEmpty() && !member.equals(e.member()) && !member.equals(e.address())) return false;
    return decisions.isEmpty() || decisions.contains(Decision.ofLabel(e.decision()));
  }

  /** Does the reconciler's event {@code e} pass the type, job, member and action filters? */
  public boolean matches(ReconcileEvent e) {
    if (!types.isEmpty() && !types.contains("reconcile")) return false;
    if (!decisions.isEmpty()) return false;
    if (!job.isEmpty() && !job.equals(e.job())) return false;
    if (!member.isEmpty() && !e.concerns(member)) return false;
    return actions.isEmpty() || actions.contains(e.action());
  }

  /** Keep this matching event? {@code random} yields uniform values in [0, 1). */
  public boolean sampled(DoubleSupplier random) {
    return sample >= 1.0 || random.getAsDouble() < sample;
  }

  /** For the stream's opening comment: {@code job=* member=10.0.0.1_9091 decision=* sample=1}. */
  public String describe() {
    StringJoiner s = new StringJoiner(" ");
    if (!types.isEmpty()) s.add("type=" + String.join(",", TYPES.stream().filter(types::contains).toList()));
    s.add("job=" + (job.isEmpty() ? "*" : job));
    s.add("member=" + (member.isEmpty() ? "*" : member));
    if (decisions.isEmpty()) {
      s.add("decision=*");
    } else {
      StringJoiner d = new StringJoiner(",");
      for (Decision x : Decision.values()) if (decisions.contains(x)) d.add(x.label());
      s.add("decision=" + d);
    }
    if (!actions.isEmpty()) s.add("action=" + String.join(",", ACTIONS.stream().filter(actions::contains).toList()));
    s.add("sample=" + (sample >= 1.0 ? "1" : Double.toString(sample)));
    return s.toString();
  }
}
