package io.pushring.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The parsed command line: {@code [-c FILE | --config FILE | --config=FILE] [-h | --help]}.
 *
 * @param configFile the YAML file to read; empty = no file, every key at its default (or from env)
 * @param explicit whether the file was named with {@code -c}: then a missing file is an error
 * @param help {@code -h}/{@code --help} was given: print {@link #USAGE} and exit 0
 */
public record CommandLine(Optional<Path> configFile, boolean explicit, boolean help) {
  public static final Path DEFAULT_CONFIG = Path.of("conf", "pushring.yaml");

  public static final String USAGE = String.join("\n",
      "usage: java -jar pushring.jar [-c FILE] [-h]",
      "  -c, --config FILE  YAML configuration (default: conf/pushring.yaml when it exists, else built-in defaults)",
      "  -h, --help         print this help and exit",
      "Every key can be overridden by an environment variable: PUSHRING_ + the key path upper-cased, with . and -",
      "as _ (lists comma-separated), e.g. PUSHRING_HTTP_PORT=9393. Invalid configuration exits with status 2.");

  public CommandLine {
    if (explicit && configFile.isEmpty()) throw new IllegalArgumentException("explicit without a file");
  }

  /** Parses {@code args}; the default file is used when it is a regular file in the working directory. */
  public static CommandLine parse(String[] args) {
    return parse(args, Files::isRegularFile);
  }

  /**
   * @param exists tells whether {@link #DEFAULT_CONFIG} exists (injected to keep this pure)
   * @throws ConfigException naming the offending argument
   */
  public static CommandLine parse(String[] args, Predicate<Path> exists) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value;
      if (a.equals("-h") || a.equals("--help")) {
        return new CommandLine(Optional.empty(), false, true);
      } else if (a.equals("-c") || a.equals("--config")) {
        if (i + 1 >= args.length) throw new ConfigException(a, "missing FILE (" + usageLine() + ")");
        value = args[++i];
      } else if (a.startsWith("--config=")) {
        value = a.substring("--config=".length());
      } else {
        throw new ConfigException(a, "unknown argument (" + usageLine() + ")");
      }
      if (value.isEmpty()) throw new ConfigException(a, "empty FILE (" + usageLine() + ")");
      if (file != null) throw new ConfigException(a, "configuration file given twice (" + usageLine() + ")");
      file = Path.of(value);
    }
    if (file != null) return new CommandLine(Optional.of(file), true, false);
    return exists.test(DEFAULT_CONFIG)
        ? new CommandLine(Optional.of(DEFAULT_CONFIG), false, false)
        : new CommandLine(Optional.empty(), false, false);
  }

  private static String usageLine() {
    return USAGE.substring(0, USAGE.indexOf('\n'));
  }
}
