package io.pushring.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.pushring.config.PushringConfig.DiscoveryMode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Through Vert.x Config for real; {@code await()} on the test thread (never an event loop). */
class ConfigReaderTest {
  private static Vertx vertx;
  private static final PushringConfig DEFAULTS = ConfigLoader.load(Map.of(), Map.of());

  @TempDir Path dir;

  @BeforeAll
  static void start() { vertx = Vertx.vertx(); }

  @AfterAll
  static void stop() { vertx.close().await(); }

  private static <T> T await(Future<T> f) {
    return f.timeout(10, TimeUnit.SECONDS).await();
  }

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("pushring.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  private static ConfigException failure(Future<PushringConfig> f) {
    Throwable t = catchThrowable(() -> await(f));
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
    PushringConfig c = await(ConfigReader.read(vertx, f, Map.of("PUSHRING_HTTP_PORT", "9393", "PATH", "/bin")));
    assertThat(c.http().port()).isEqualTo(9393);
    assertThat(c.discovery()).isEqualTo(
        new PushringConfig.Discovery(DiscoveryMode.STATIC, List.of("127.0.0.1:9091", "127.0.0.1:9092"),
            PushringConfig.OnEmpty.KEEP_LAST));
    assertThat(c.pushgateways().check().interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.pushgateways().check().timeout()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void shippedFileReadThroughVertxGivesTheDefaults() {
    assertThat(await(ConfigReader.read(vertx, ConfigKeysTest.SHIPPED, Map.of()))).isEqualTo(DEFAULTS);
    CommandLine cli = CommandLine.parse(new String[] {"-c", ConfigKeysTest.SHIPPED.toString()});
    assertThat(await(ConfigReader.read(vertx, cli, Map.of("PUSHRING_TAP_ENABLED", "false"))).tap().enabled()).isFalse();
  }

  @Test
  void noFileMeansDefaultsPlusEnvironment() {
    assertThat(await(ConfigReader.read(vertx, (Path) null, Map.of()))).isEqualTo(DEFAULTS);
    assertThat(await(ConfigReader.read(vertx, (Path) null, Map.of("PUSHRING_HTTP_PORT", "1"))).http().port()).isEqualTo(1);
    assertThat(failure(ConfigReader.read(vertx, (Path) null, Map.of("PUSHRING_HTTP_PORT", "x"))).getMessage())
        .isEqualTo("http.port (PUSHRING_HTTP_PORT): expected an integer, got \"x\"");
  }

  @Test
  void emptyOrCommentOnlyFileIsAnEmptyTree() throws IOException {
    assertThat(await(ConfigReader.read(vertx, file(""), Map.of()))).isEqualTo(DEFAULTS);
    assertThat(await(ConfigReader.read(vertx, file("# nothing here\n\n---\n  # indented\n"), Map.of())))
        .isEqualTo(DEFAULTS);
  }

  @Test
  void missingFileIsAnErrorNamingIt() {
    Path missing = dir.resolve("nope.yaml");
    ConfigException e = failure(ConfigReader.read(vertx, missing, Map.of()));
    assertThat(e.getMessage()).isEqualTo(missing + ": no such file");
    assertThat(e.key()).isEqualTo(missing.toString());
  }

  @Test
  void invalidFilesAreOneLineErrorsNamingTheFileOrKey() throws IOException {
    Path f = file("router:\n  mdoe: proxy\n");
    assertThat(failure(ConfigReader.read(vertx, f, Map.of())).getMessage())
        .isEqualTo("router.mdoe: unknown key (did you mean router.mode?)");
    file("- a\n- b\n");
    assertThat(failure(ConfigReader.read(vertx, f, Map.of())).getMessage())
        .isEqualTo(f + ": expected a YAML mapping (key: value lines) at the top level");
    file("http: [\n");
    assertThat(failure(ConfigReader.read(vertx, f, Map.of())).getMessage())
        .isEqualTo(f + ": invalid YAML at line 2, column 1: expected the node content, but found '<stream end>'");
    file("http:\n  port: 1\n port: 2\n");
    assertThat(failure(ConfigReader.read(vertx, f, Map.of())).getMessage()).startsWith(f + ": invalid YAML at line 3");
    Path directory = Files.createDirectory(dir.resolve("sub.yaml"));
    assertThat(failure(ConfigReader.read(vertx, directory, Map.of())).getMessage()).startsWith(directory + ": cannot read");
  }

  @Test
  void toPlainConvertsNestedJsonValues() {
    JsonObject json = new JsonObject()
        .put("a", new JsonObject().put("b", new JsonArray().add(1).add(new JsonObject().put("c", "d"))))
        .put("e", new JsonArray().add(new JsonArray().add("f")));
    Map<String, Object> plain = ConfigReader.toPlain(json);
    assertThat(plain).isEqualTo(Map.of("a", Map.of("b", List.of(1, Map.of("c", "d"))), "e", List.of(List.of("f"))));
    assertThat(plain.get("a")).isInstanceOf(Map.class).isNotInstanceOf(JsonObject.class);
    assertThat(((Map<?, ?>) plain.get("a")).get("b")).isInstanceOf(List.class);
  }
}
