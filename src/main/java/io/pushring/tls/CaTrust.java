package io.pushring.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The chain check of a verified link: the CAs of a PEM file, or the JVM's default trust store. One
 * loader for the Pushgateways' link ({@code pushgateways.tls.ca-file}) and Consul's
 * ({@code consul.tls.ca-file}); each caller names its key in the error it raises.
 */
public final class CaTrust {
  private CaTrust() {}

  /** A CA file that cannot be used; the message names the file and why, never its content. */
  public static final class Unusable extends RuntimeException {
    Unusable(String message) {
      super(message, null, false, false);
    }
  }

  /** @param caFile PEM certificates; "" = the JVM's default trust store */
  public static X509ExtendedTrustManager of(String caFile) {
    try {
      KeyStore store = null;   // null: the JVM's default trust store
      if (!caFile.isEmpty()) {
        Collection<? extends Certificate> cas;
        try (InputStream in = Files.newInputStream(Path.of(caFile))) {
          cas = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
          throw new Unusable("cannot read " + caFile + " (" + e.getClass().getSimpleName() + ")");
        }
        if (cas.isEmpty()) throw new Unusable(caFile + " holds no PEM certificate");
        store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate ca : cas) store.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager tm : factory.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) return x;
      }
      throw new Unusable("the JVM offers no X.509 trust manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new Unusable(caFile + " is not PEM certificates (" + e.getMessage() + ")");
    }
  }
}
