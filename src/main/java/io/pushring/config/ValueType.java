package io.pushring.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How one key's value is read from the YAML tree or from an environment string, validated, and
 * written back for documentation. Immutable: {@link #check} returns a new type.
 *
 * <p>Conversion failures throw {@link InvalidValueException} with a message that does not name the
 * key (the loader prefixes it).
 */
public final class ValueType<T> {
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

  private final Function<Object, T> fromYaml;
  private final Function<String, T> fromEnv;
  private final Function<T, String> format;
  private final List<Function<T, String>> checks;

  private ValueType(Function<Object, T> fromYaml, Function<String, T> fromEnv, Function<T, String> format,
      List<Function<T, String>> checks) {
    this.fromYaml = fromYaml;
    this.fromEnv = fromEnv;
    this.format = format;
    this.checks = List.copyOf(checks);
  }

  private static <T> ValueType<T> of(Function<Object, T> fromYaml, Function<String, T> fromEnv, Function<T, String> format) {
    return new ValueType<>(fromYaml, fromEnv, format, List.of());
  }

  /** Adds a validation: {@code message} receives the rejected value and follows {@code key: }. */
  public ValueType<T> check(Predicate<T> ok, Function<T, String> message) {
    List<Function<T, String>> all = new ArrayList<>(checks);
    all.add(v -> ok.test(v) ? null : message.apply(v));
    return new ValueType<>(fromYaml, fromEnv, format, all);
  }

  T fromYaml(Object raw) {
    return validate(fromYaml.apply(raw));
  }

  T fromEnv(String raw) {
    return validate(fromEnv.apply(raw));
  }

  /** The value as it is written in {@code pushring.yaml}. */
  String format(T value) {
    return format.apply(value);
  }

  T validate(T value) {
    for (Function<T, String> c : checks) {
      String problem = c.apply(value);
      if (problem != null) throw new InvalidValueException(problem);
    }
    return value;
  }

  // ---- the types ----

  public static ValueType<Integer> integer(int min, int max) {
    Function<String, Integer> parse = s -> {
      String t = s.strip();
      if (!INTEGER.matcher(t).matches()) throw new InvalidValueException("expected an integer, got " + Values.quote(s));
      return inRange(new BigInteger(t), min, max);
    };
    Function<Object, Integer> yaml = raw -> {
      if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
        return inRange(BigInteger.valueOf(((Number) raw).longValue()), min, max);
      }
      if (raw instanceof BigInteger b) return inRange(b, min, max);
      // A quoted number in YAML is still meant as a number; the environment gives strings anyway.
      if (raw instanceof String s && INTEGER.matcher(s.strip()).matches()) return parse.apply(s);
      throw new InvalidValueException("expected an integer, got " + Values.describe(raw));
    };
    return of(yaml, parse, String::valueOf);
  }

  private static Integer inRange(BigInteger v, int min, int max) {
    if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
      throw new InvalidValueException("must be between " + min + " and " + max + ", got " + v);
    }
    return v.intValueExact();
  }

  /** An integer that must be one of {@code allowed}. */
  public static ValueType<Integer> oneOf(int... allowed) {
    String list = Arrays.stream(allowed).mapToObj(String::valueOf).collect(Collectors.joining(", "));
    return integer(Integer.MIN_VALUE, Integer.MAX_VALUE)
        .check(v -> Arrays.stream(allowed).anyMatch(a -> a == v), v -> "must be one of " + list + ", got " + v);
  }

  public static ValueType<Boolean> bool() {
    Function<String, Boolean> parse = s -> {
      String t = s.strip().toLowerCase(Locale.ROOT);
      if (t.equals("true")) return true;
      if (t.equals("false")) return false;
      throw new InvalidValueException("expected true or false, got " + Values.quote(s));
    };
    Function<Object, Boolean> yaml = raw -> {
      if (raw instanceof Boolean b) return b;
      if (raw instanceof String s) return parse.apply(s);
      throw new InvalidValueException("expected true or false, got " + Values.describe(raw));
    };
    return of(yaml, parse, String::valueOf);
  }

  /**
   * Any string. YAML numbers and booleans are refused rather than stringified: YAML 1.1 reads
   * {@code 0123} as 83 and {@code no} as false, so an unquoted token would silently change.
   */
  public static ValueType<String> string() {
    Function<Object, String> yaml = raw -> {
      if (raw instanceof String s) return s;
      throw new InvalidValueException("expected a string, got " + Values.describe(raw)
          + (raw instanceof Number || raw instanceof Boolean ? " (quote it)" : ""));
    };
    return of(yaml, s -> s, s -> s.isEmpty() ? "\"\"" : s);
  }

  /** A string that must match {@code ok}, else {@code "expected <what>, got <value>"}. */
  public static ValueType<String> string(Predicate<String> ok, String what) {
    return string().check(ok, v -> "expected " + what + ", got " + Values.quote(v));
  }

  /** One of a fixed set of names, mapped to values (e.g. enum constants). */
  @SafeVarargs
  public static <E> ValueType<E> choice(Function<E, String> name, E... values) {
    String list = Arrays.stream(values).map(name).collect(Collectors.joining(", "));
    Function<String, E> parse = s -> {
      for (E e : values) if (name.apply(e).equals(s.strip())) return e;
      throw new InvalidValueException("expected one of " + list + ", got " + Values.quote(s));
    };
    Function<Object, E> yaml = raw -> {
      if (raw instanceof String s) return parse.apply(s);
      throw new InvalidValueException("expected one of " + list + ", got " + Values.describe(raw));
    };
    return of(yaml, parse, name);
  }

  /** Plain lower-case names: {@code http}, {@code https}. */
  public static ValueType<String> choice(String... names) {
    return choice(Function.identity(), names);
  }

  /** A Go/Consul duration within {@code [min, max]}; {@code max == null} means unbounded. */
  public static ValueType<Duration> duration(Duration min, Duration max) {
    Function<String, Duration> parse = s -> {
      try {
        return Durations.parse(s);
      } catch (IllegalArgumentException e) {
        throw new InvalidValueException(e.getMessage());
      }
    };
    Function<Object, Duration> yaml = raw -> {
      if (raw instanceof String s) return parse.apply(s);
      throw new InvalidValueException(
          "expected a duration like 500ms, 5s, 1m or 1m30s, got " + Values.describe(raw));
    };
    ValueType<Duration> t = of(yaml, parse, Durations::format);
    if (max == null) {
      return t.check(d -> d.compareTo(min) >= 0, d -> "must be at least " + Durations.format(min) + ", got " + Durations.format(d));
    }
    return t.check(d -> d.compareTo(min) >= 0 && d.compareTo(max) <= 0, d -> "must be between "
        + Durations.format(min) + " and " + Durations.format(max) + ", got " + Durations.format(d));
  }

  /** A YAML list, or in the environment a comma-separated string (empty string = empty list). */
  public static <E> ValueType<List<E>> list(ValueType<E> element) {
    Function<Object, List<E>> yaml = raw -> {
      if (!(raw instanceof List<?> items)) throw new InvalidValueException("expected a list, got " + Values.describe(raw));
      List<E> out = new ArrayList<>(items.size());
      for (Object item : items) out.add(element.fromYaml(item));
      return List.copyOf(out);
    };
    Function<String, List<E>> env = s -> {
      if (s.isBlank()) return List.of();
      List<E> out = new ArrayList<>();
      for (String item : s.split(",", -1)) out.add(element.fromEnv(item.strip()));
      return List.copyOf(out);
    };
    Function<List<E>, String> format =
        l -> l.stream().map(element::format).collect(Collectors.joining(", ", "[", "]"));
    return of(yaml, env, format);
  }
}
