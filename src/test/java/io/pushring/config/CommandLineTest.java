package io.pushring.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandLineTest {
  private static CommandLine parse(boolean defaultExists, String... args) {
    return CommandLine.parse(args, p -> {
      assertThat(p).isEqualTo(CommandLine.DEFAULT_CONFIG);
      return defaultExists;
    });
  }

  @Test
  void defaultFileWhenItExistsElseNone() {
    assertThat(parse(true)).isEqualTo(new CommandLine(Optional.of(Path.of("conf/pushring.yaml")), false, false));
    assertThat(parse(false)).isEqualTo(new CommandLine(Optional.empty(), false, false));
    // Tests run in the project directory, where the shipped file is.
    assertThat(CommandLine.parse(new String[0]).configFile()).contains(CommandLine.DEFAULT_CONFIG);
  }

  @Test
  void explicitFileInEverySpelling() {
    CommandLine expected = new CommandLine(Optional.of(Path.of("/etc/pushring.yaml")), true, false);
    assertThat(parse(true, "-c", "/etc/pushring.yaml")).isEqualTo(expected);
    assertThat(parse(false, "--config", "/etc/pushring.yaml")).isEqualTo(expected);
    assertThat(parse(false, "--config=/etc/pushring.yaml")).isEqualTo(expected);
  }

  @Test
  void webConfigFileThePrometheusWay() {
    assertThat(parse(false, "--web.config.file", "web.yml").webConfigFile()).contains("web.yml");
    assertThat(parse(false, "--web.config.file=/etc/web.yml", "-c", "p.yaml"))
        .isEqualTo(new CommandLine(Optional.of(Path.of("p.yaml")), true, false, Optional.of("/etc/web.yml")));
    assertThat(parse(false).webConfigFile()).isEmpty();
    assertThatThrownBy(() -> parse(false, "--web.config.file")).hasMessageStartingWith("--web.config.file: missing FILE");
    assertThatThrownBy(() -> parse(false, "--web.config.file=")).hasMessageStartingWith("--web.config.file=: empty FILE");
    assertThatThrownBy(() -> parse(false, "--web.config.file=a", "--web.config.file", "b"))
        .hasMessageStartingWith("--web.config.file: web configuration file given twice");
  }

  @Test
  void helpWins() {
    assertThat(parse(true, "-h").help()).isTrue();
    assertThat(parse(true, "-c", "x.yaml", "--help").help()).isTrue();
    assertThat(parse(true, "-c", "x.yaml").help()).isFalse();
    assertThat(CommandLine.USAGE).startsWith("usage: java -jar pushring.jar [-c FILE] [--web.config.file FILE] [-h]").contains("PUSHRING_");
  }

  @Test
  void badArgumentsNameTheArgument() {
    String usage = " (usage: java -jar pushring.jar [-c FILE] [--web.config.file FILE] [-h])";
    assertThatThrownBy(() -> parse(true, "--port", "9")).isInstanceOf(ConfigException.class)
        .hasMessage("--port: unknown argument" + usage);
    assertThatThrownBy(() -> parse(true, "conf/pushring.yaml")).hasMessage("conf/pushring.yaml: unknown argument" + usage);
    assertThatThrownBy(() -> parse(true, "-c")).hasMessage("-c: missing FILE" + usage);
    assertThatThrownBy(() -> parse(true, "--config=")).hasMessage("--config=: empty FILE" + usage);
    assertThatThrownBy(() -> parse(true, "-c", "a", "-c", "b")).hasMessage("-c: configuration file given twice" + usage);
  }
}
