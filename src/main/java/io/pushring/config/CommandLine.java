package io.pushring.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The parsed command line: {@code [-c FILE | --config FILE | --config=FILE]
 * [--web.config.file FILE | --web.config.file=FILE] [-h | --help]}.
 *
 * @param configFile the YAML file to read; empty = no file, every key at its default (or from env)
 * @param explicit whether the file was named with {@code -c}: then a missing file is an error
 * @param help {@code -h}/{@code --help} was given: print {@link #USAGE} and exit 0
 * @param webConfigFile {@code --web.config.file}, the Prometheus flag: overrides {@code http.web-config-file}
 */
public record CommandLine(Optional<Path> configFile, boolean explicit, boolean help, Optional<String> webConfigFile) {
  public static final Path DEFAULT_CONFIG = Path.of("conf", "pushring.yaml");
  static final String WEB_CONFIG_FLAG = "--web.config.file";

  public static final String USAGE = String.join("\n",
      "usage: java -jar pushring.jar [-c FILE] [--web.config.file FILE] [-h]",
      "  -c, --config FILE        YAML configuration (default: conf/pushring.yaml when it exists, else built-in defaults)",
      "  --web.config.file FILE   Prometheus web configuration (TLS, basic auth, headers) of the listener;",
      "                           overrides http.web-config-file",
      "  -h, --help               print this help and exit",
      "Every key can be overridden by an environment variable: PUSHRING_ + the key path upper-cased, with . and -",
      "as _ (lists comma-separated), e.g. PUSHRING_HTTP_PORT=9393. Invalid configuration exits with status 2.");

  public CommandLine {
    if (explicit && configFile.isEmpty()) throw new IllegalArgumentException("explicit without a file");
  }

  public CommandLine(Optional<Path> configFile, boolean explicit, boolean help) {
    this(configFile, explicit, help, Optional.empty());
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
    String webConfig = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value;
      boolean web = false;
      if (a.equals("-h") || a.equals("--help")) {
        return new CommandLine(Optional.empty(), false, true);
      } else if (a.equals("-c") || a.equals("--config") || a.equals(WEB_CONFIG_FLAG)) {
        if (i + 1 >= args.length) throw new ConfigException(a, "missing FILE (" + usageLine() + ")");
        value = args[++i];
        web = a.equals(WEB_CONFIG_FLAG);
      } else if (a.startsWith("--config=")) {
        value = a.substring("--config=".length());
      } else if (a.startsWith(WEB_CONFIG_FLAG + "=")) {
        value = a.substring(WEB_CONFIG_FLAG.length() + 1);
        web = true;
      } else {
        throw new ConfigException(a, "unknown argument (" + usageLine() + ")");
      }
      if (value.isEmpty()) throw new ConfigException(a, "empty FILE (" + usageLine() + ")");
      if (web) {
        if (webConfig != null) throw new ConfigException(a, "web configuration file given twice (" + usageLine() + ")");
        webConfig = value;
        continue;
      }
      if (file != null) throw new ConfigException(a, "configuration file given twice (" + usageLine() + ")");
      file = Path.of(value);
    }
    Optional<String> web = Optional.ofNullable(webConfig);
    if (file != null) return new CommandLine(Optional.of(file), true, false, web);
    return exists.test(DEFAULT_CONFIG)
        ? new CommandLine(Optional.of(DEFAULT_CONFIG), false, false, web)
        : new CommandLine(Optional.empty(), false, false, web);
  }

  private static String usageLine() {
    return USAGE.substring(0, USAGE.indexOf('\n'));
  }
}
