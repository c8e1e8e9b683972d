package io.pushring.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pushring.config.ConfigException;
import io.pushring.config.PushringConfig.UpstreamAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetCredentialTest {
  @TempDir Path dir;

  @Test
  void basicAuthIsUserColonPasswordWithoutTheFilesSurroundingWhitespace() throws Exception {
    Path file = Files.writeString(dir.resolve("pw"), "  s3cret:with colon\n");
    FleetCredential c = FleetCredential.load(new UpstreamAuth("fleet", file.toString(), ""));
    assertThat(c.authorization()).isEqualTo("Basic " + Base64.getEncoder()
        .encodeToString("fleet:s3cret:with colon".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aBearerTokenIsReReadWhenItChangesAndKeptWhenTheFileGoesAway() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "tok-1\n");
    FleetCredential c = FleetCredential.load(new UpstreamAuth("", "", file.toString()));
    assertThat(c.authorization()).isEqualTo("Bearer tok-1");
    assertThat(c.refresh()).isFalse();
    Files.writeString(file, "tok-2");
    assertThat(c.refresh()).isTrue();
    assertThat(c.authorization()).isEqualTo("Bearer tok-2");
    Files.delete(file);
    assertThatThrownBy(c::refresh).hasMessageContaining(file.toString()).hasMessageNotContaining("tok-2");
    assertThat(c.authorization()).isEqualTo("Bearer tok-2");
  }

  @Test
  void unreadableOrEmptyFilesAreConfigurationErrorsNamingTheKeyNeverTheSecret() throws Exception {
    assertThatThrownBy(() -> FleetCredential.load(new UpstreamAuth("fleet", dir.resolve("missing").toString(), "")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("pushgateways.basic-auth.password-file: cannot read")
        .hasMessageContaining("NoSuchFileException");
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThatThrownBy(() -> FleetCredential.load(new UpstreamAuth("", "", empty.toString())))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("pushgateways.bearer-token-file:").hasMessageContaining("empty");
    assertThat(FleetCredential.load(new UpstreamAuth("", "", "")).authorization()).isNull();
  }
}
