package io.pushring.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * A Prometheus web configuration file ({@code --web.config.file}) for a real Pushgateway: TLS with a
 * certificate made by {@link TestPki}, optionally requiring a client certificate, and basic-auth
 * users whose bcrypt hashes are made here (cost 4: the format is what matters, not the cost).
 * The exporter-toolkit reads the file on every request, so {@link #write} again changes a running
 * Pushgateway's users.
 */
public final class PushgatewayWebConfig {
  private Path certFile;
  private Path keyFile;
  private String clientAuthType;
  private Path clientCaFile;
  private final Map<String, String> users = new LinkedHashMap<>();

  public PushgatewayWebConfig tls(Path certFile, Path keyFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    return this;
  }

  /** {@code client_auth_type: RequireAndVerifyClientCert} with {@code client_ca_file}. */
  public PushgatewayWebConfig requireClientCert(Path clientCaFile) {
    this.clientAuthType = "RequireAndVerifyClientCert";
    this.clientCaFile = clientCaFile;
    return this;
  }

  /** A {@code basic_auth_users} entry (replaces the user's password). */
  public PushgatewayWebConfig user(String name, String password) {
    users.put(name, password);
    return this;
  }

  public PushgatewayWebConfig clearUsers() {
    users.clear();
    return this;
  }

  public Path write(Path file) {
    StringBuilder y = new StringBuilder();
    if (certFile != null) {
      y.append("tls_server_config:\n")
          .append("  cert_file: ").append(certFile).append('\n')
          .append("  key_file: ").append(keyFile).append('\n');
      if (clientAuthType != null) {
        y.append("  client_auth_type: ").append(clientAuthType).append('\n')
            .append("  client_ca_file: ").append(clientCaFile).append('\n');
      }
    }
    if (!users.isEmpty()) {
      y.append("basic_auth_users:\n");
      users.forEach((user, password) -> y.append("  ").append(user).append(": '").append(bcrypt(password)).append("'\n"));
    }
    try {
      Path tmp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), y.toString(), StandardCharsets.UTF_8);
      // Atomic: the Pushgateway reads the file per request and must never see half of it.
      return Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate("2a", password.toCharArray(), salt, 4);
  }
}
