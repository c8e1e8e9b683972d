package io.pushring.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pushring.config.PushringConfig.DiscoveryMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real files through SnakeYAML, as {@code Pushring.main} reads them. */
class ConfigReaderTest {
  private static final PushringConfig DEFAULTS = ConfigLoader.load(Map.of(), Map.of());

  @TempDir Path dir;

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("pushring.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private static ConfigException failure(ThrowingCallable read) {
    Throwable t = catchThrowable(read);
    assertThat(t).isInstanceOf(ConfigException.class);
    assertThat(t.getMessage()).doesNotContain("\n");
    return (ConfigException) t;
  }

  @Test
  void readsNestedYamlAndAppliesTheEnvironment() throws IOException {
    Path f = file("""
        http:
          port: 9000
        discovery:
          mode: static
          static-members:
            - 127.0.0.1:9091
            - 127.0.0.1:9092
        pushgateways:
          check: {interval: 10s, timeout: 3s}
        """);
    PushringConfig c = ConfigReader.read(f, Map.of("PUSHRING_HTTP_PORT", "9393", "PATH", "/bin"));
    assertThat(c.http().port()).isEqualTo(9393);
    assertThat(c.discovery()).isEqualTo(
        new PushringConfig.Discovery(DiscoveryMode.STATIC, List.of("127.0.0.1:9091", "127.0.0.1:9092"),
            PushringConfig.OnEmpty.KEEP_LAST));
    assertThat(c.pushgateways().check().interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.pushgateways().check().timeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void shippedFileReadThroughVertxGivesTheDefaults() {
    assertThat(ConfigReader.read(ConfigKeysTest.SHIPPED, Map.of())).isEqualTo(DEFAULTS);
    CommandLine cli = CommandLine.parse(new String[] {"-c", ConfigKeysTest.SHIPPED.toString()});
    assertThat(ConfigReader.read(cli, Map.of("PUSHRING_TAP_ENABLED", "false")).tap().enabled()).isFalse();
  }

  /** The flag replaces http.web-config-file only: the other http keys (it once dropped http.admin) stay. */
  @Test
  void webConfigFlagKeepsTheOtherHttpKeys() {
    CommandLine cli = CommandLine.parse(new String[] {"--web.config.file", "web.yml"});
    PushringConfig.Http http = ConfigReader.read(cli, Map.of("PUSHRING_HTTP_ADMIN", "127.0.0.1:9293",
        "PUSHRING_HTTP_ADMIN_WEB_CONFIG_FILE", "admin.yml", "PUSHRING_HTTP_TRANSPORT", "nio",
        "PUSHRING_HTTP_WEB_CONFIG_FILE", "other.yml")).http();
    assertThat(http).isEqualTo(new PushringConfig.Http("0.0.0.0", 9292, Duration.ofSeconds(60), "web.yml",
        "127.0.0.1:9293", "admin.yml", PushringConfig.Transport.NIO));
  }

  @Test
  void noFileMeansDefaultsPlusEnvironment() {
    assertThat(ConfigReader.read((Path) null, Map.of())).isEqualTo(DEFAULTS);
    assertThat(ConfigReader.read((Path) null, Map.of("PUSHRING_HTTP_PORT", "1")).http().port()).isEqualTo(1);
    assertThat(failure(() -> ConfigReader.read((Path) null, Map.of("PUSHRING_HTTP_PORT", "x"))).getMessage())
        .isEqualTo("http.port (PUSHRING_HTTP_PORT): expected an integer, got \"x\"");
  }

  @Test
  void emptyOrCommentOnlyFileIsAnEmptyTree() throws IOException {
    assertThat(ConfigReader.read(file(""), Map.of())).isEqualTo(DEFAULTS);
    assertThat(ConfigReader.read(file("# nothing here\n\n---\n  # indented\n"), Map.of()))
        .isEqualTo(DEFAULTS);
  }

  @Test
  void missingFileIsAnErrorNamingIt() {
    Path missing = dir.resolve("nope.yaml");
    ConfigException e = failure(() -> ConfigReader.read(missing, Map.of()));
    assertThat(e.getMessage()).isEqualTo(missing + ": no such file");
    assertThat(e.key()).isEqualTo(missing.toString());
  }

  @Test
  void invalidFilesAreOneLineErrorsNamingTheFileOrKey() throws IOException {
    Path f = file("router:\n  mdoe: proxy\n");
    assertThat(failure(() -> ConfigReader.read(f, Map.of())).getMessage())
        .isEqualTo("router.mdoe: unknown key (did you mean router.mode?)");
    file("- a\n- b\n");
    assertThat(failure(() -> ConfigReader.read(f, Map.of())).getMessage())
        .isEqualTo(f + ": expected a YAML mapping (key: value lines) at the top level");
    file("http: [\n");
    assertThat(failure(() -> ConfigReader.read(f, Map.of())).getMessage())
        .isEqualTo(f + ": invalid YAML at line 2, column 1: expected the node content, but found '<stream end>'");
    file("http:\n  port: 1\n port: 2\n");
    assertThat(failure(() -> ConfigReader.read(f, Map.of())).getMessage()).startsWith(f + ": invalid YAML at line 3");
    Path directory = Files.createDirectory(dir.resolve("sub.yaml"));
    assertThat(failure(() -> ConfigReader.read(directory, Map.of())).getMessage()).startsWith(directory + ": cannot read");
  }

  /** Issue 9 row 10: a second http: block silently replaced the first (host 127.0.0.1 listened on 0.0.0.0). */
  @Test
  void duplicateKeysAreRefusedNamingTheKeyPathAndLines() throws IOException {
    Path f = file("""
        http:
          host: 127.0.0.1
        router:
          mode: proxy
        http:
          port: 9393
        """);
    ConfigException e = failure(() -> ConfigReader.read(f, Map.of()));
    assertThat(e.key()).isEqualTo("http");
    assertThat(e.getMessage()).isEqualTo("http: duplicate key at line 5 of " + f
        + " (first at line 1); YAML would silently keep only the last one");

    file("pushgateways:\n  check:\n    interval: 5s\n    timeout: 1s\n    interval: 10s\n");
    assertThat(failure(() -> ConfigReader.read(f, Map.of())).getMessage())
        .startsWith("pushgateways.check.interval: duplicate key at line 5 of " + f + " (first at line 3)");

    file("router: {mode: proxy, mode: redirect}\n");
    assertThat(failure(() -> ConfigReader.read(f, Map.of())).key()).isEqualTo("router.mode");
  }

  @Test
  void equalKeysInDifferentSectionsAndMergeKeysAreNotDuplicates() throws IOException {
    Path f = file("""
        http: {port: 9000}
        router: {instances: 2}
        pushgateways:
          port: 9092
          check: &c {interval: 10s, timeout: 3s}
        """);
    PushringConfig c = ConfigReader.read(f, Map.of());
    assertThat(c.http().port()).isEqualTo(9000);
    assertThat(c.pushgateways().port()).isEqualTo(9092);
    file("""
        base: &b {host: 127.0.0.1, port: 1}
        http:
          <<: *b
          port: 2
        """);
    // Merge keys parse (and override) normally; "base" is then refused as an unknown key.
    assertThat(failure(() -> ConfigReader.read(f, Map.of())).getMessage()).startsWith("base: unknown key");
    assertThat(ConfigReader.parse("http:\n  <<: {host: 127.0.0.1, port: 1}\n  port: 2\n", "x"))
        .isEqualTo(Map.of("http", Map.of("host", "127.0.0.1", "port", 2)));
  }

  @Test
  void nestedValuesArePlainMapsAndLists() {
    Map<String, Object> tree = ConfigReader.parse("a:\n  b: [1, {c: d}]\ne: [[f]]\n", "x");
    assertThat(tree).isEqualTo(Map.of("a", Map.of("b", List.of(1, Map.of("c", "d"))), "e", List.of(List.of("f"))));
  }
}
