package io.pushring.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.ConfigKey;
import io.pushring.config.ConfigKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README is the operator's manual: it starts with the two commands and documents every key. */
class ReadmeTest {
  private static final Path README = Path.of("README.md");

  @Test
  void startsWithTheTwoCommands() throws Exception {
    String readme = Files.readString(README);
    int run = readme.indexOf("make run");
    int test = readme.indexOf("make test");
    assertThat(run).isPositive().isLessThan(400);
    assertThat(test).isGreaterThan(run).isLessThan(500);
  }

  @Test
  void documentsEveryConfigurationKeyWithItsDefault() throws Exception {
    String readme = Files.readString(README);
    for (ConfigKey<?> key : ConfigKeys.all()) {
      String row = "| `" + key.path() + "` | `" + key.defaultText() + "` |";
      assertThat(readme).as("README row for %s", key.path()).contains(row);
    }
  }
}
