package io.pushring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

class BasicAuthTest {
  static String hash(String password, String version) {
    return OpenBSDBCrypt.generate(version, password.getBytes(StandardCharsets.UTF_8), new byte[16], 4);
  }

  static String basic(String userPassword) {
    return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void verifiesBcryptOfEveryVersionAndCachesBothVerdicts() {
    BasicAuth auth = new BasicAuth(Map.of("alice", hash("s3cret:with colon", "2a"), "bob", hash("pw", "2b"),
        "carol", hash("pw", "2y")));
    String good = basic("alice:s3cret:with colon");
    assertThat(auth.cached(good)).isNull();
    assertThat(auth.verify(good)).isTrue();
    assertThat(auth.cached(good)).isTrue();
    assertThat(auth.verify(basic("bob:pw"))).isTrue();
    assertThat(auth.verify(basic("carol:pw"))).isTrue();
    assertThat(auth.verify("basic " + basic("carol:pw").substring(6))).as("scheme is case-insensitive").isTrue();

    String wrong = basic("alice:nope");
    assertThat(auth.verify(wrong)).isFalse();
    assertThat(auth.cached(wrong)).isFalse();
    assertThat(auth.verify(basic("mallory:pw"))).as("unknown user").isFalse();
    assertThat(auth.verify(basic("alice"))).as("no colon").isFalse();
    assertThat(auth.verify("Basic !!!")).as("not base64").isFalse();
    assertThat(auth.verify("Bearer x")).isFalse();
    assertThat(auth.verify(basic("carol:" + "x".repeat(100)))).as("over 72 bytes").isFalse();
  }

  @Test
  void boundedCaches() {
    BasicAuth auth = new BasicAuth(Map.of("a", hash("pw", "2y")));
    for (int i = 0; i <= BasicAuth.MAX_ENTRIES; i++) auth.verify("Bearer " + i);
    assertThat(auth.cached("Bearer " + BasicAuth.MAX_ENTRIES)).isFalse();
    assertThat(auth.cached("Bearer 0")).as("emptied when full").isNull();
  }
}
