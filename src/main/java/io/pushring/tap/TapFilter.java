package io.pushring.tap;

import io.pushring.metrics.Decision;
import io.vertx.core.MultiMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.DoubleSupplier;

/**
 * What one tap subscriber wants: {@code ?job=&member=&decision=&sample=}. Empty means "any".
 *
 * @param job       exact job label value
 * @param member    ring member id or its host:port
 * @param decisions accepted decisions (empty = all); the parameter is a comma-separated list
 * @param sample    fraction of the matching events to send, in (0, 1]
 */
public record TapFilter(String job, String member, Set<Decision> decisions, double sample) {
  public static final TapFilter ALL = new TapFilter("", "", Set.of(), 1.0);

  public TapFilter {
    decisions = decisions.isEmpty() ? Set.of() : Set.copyOf(decisions);
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
    return new TapFilter(job, member, decisions, sample);
  }

  /** Does {@code e} pass the job, member and decision filters? (Sampling is separate.) */
  public boolean matches(TapEvent e) {
    return matches(e, job.isEmpty() ? null : e.job());
  }

  /** The same, with the event's job worked out by the caller once for all subscribers (null: unknown or none). */
  boolean matches(TapEvent e, String eventJob) {
    if (!job.isEmpty() && !job.equals(eventJob != null ? eventJob : e.job())) return false;
    if (!member.isEmpty() && !member.equals(e.member()) && !member.equals(e.address())) return false;
    return decisions.isEmpty() || decisions.contains(Decision.ofLabel(e.decision()));
  }

  /** Keep this matching event? {@code random} yields uniform values in [0, 1). */
  public boolean sampled(DoubleSupplier random) {
    return sample >= 1.0 || random.getAsDouble() < sample;
  }

  /** For the stream's opening comment: {@code job=* member=10.0.0.1_9091 decision=* sample=1}. */
  public String describe() {
    StringJoiner s = new StringJoiner(" ");
    s.add("job=" + (job.isEmpty() ? "*" : job));
    s.add("member=" + (member.isEmpty() ? "*" : member));
    if (decisions.isEmpty()) {
      s.add("decision=*");
    } else {
      StringJoiner d = new StringJoiner(",");
      for (Decision x : Decision.values()) if (decisions.contains(x)) d.add(x.label());
      s.add("decision=" + d);
    }
    s.add("sample=" + (sample >= 1.0 ? "1" : Double.toString(sample)));
    return s.toString();
  }
}
