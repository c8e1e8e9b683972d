package io.pushring.web;

import io.pushring.web.WebConfig.ClientAuth;
import io.pushring.web.WebConfig.Tls;
import io.pushring.web.WebConfig.TlsVersion;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.TrustOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * Reads a web configuration file and the files it names, checks them the way the toolkit does at
 * start (the certificate and key load and belong together, the client CA file loads), and builds a
 * {@link WebSecurity}. Blocking file I/O and a bcrypt (the decoy hash): worker or main thread only.
 */
public final class WebConfigLoader {
  private WebConfigLoader() {}

  /** @throws WebConfigException naming the key in the file (or "" for the file itself) */
  public static WebSecurity load(Path file, Vertx vertx) {
    return load(file, vertx, null);
  }

  /**
   * @param previous the users of the configuration in force: when the file lists the same ones, they are
   *     kept with the verdicts already reached (a certificate rotation costs no client a new bcrypt)
   */
  static WebSecurity load(Path file, Vertx vertx, BasicAuth previous) {
    Map<Path, FileStamp> stamps = new LinkedHashMap<>();
    WebConfig config = WebConfigParser.parse(text(file, "", stamps), file);
    ServerSSLOptions ssl = null;
    String certificate = "";
    if (config.tls().isPresent()) {
      Tls tls = config.tls().get();
      String p = "tls_server_config.";
      byte[] cert = bytes(tls.certFile(), p + "cert_file", stamps);
      byte[] key = bytes(tls.keyFile(), p + "key_file", stamps);
      X509Certificate leaf = checkKeyPair(cert, key, vertx);
      certificate = leaf.getSubjectX500Principal().getName() + " serial " + leaf.getSerialNumber().toString(16);
      TrustOptions trust = null;
      if (tls.clientCaFile().isPresent()) {
        byte[] ca = bytes(tls.clientCaFile().get(), p + "client_ca_file", stamps);
        PemTrustOptions pem = new PemTrustOptions().addCertValue(Buffer.buffer(ca));
        try {
          pem.getTrustManagerFactory(vertx);
        } catch (Exception e) {
          throw new WebConfigException(p + "client_ca_file", tls.clientCaFile().get() + ": no PEM certificate in it ("
              + oneLine(e) + ")");
        }
        if (tls.clientAuth().verifies()) trust = pem;
      }
      if (!tls.clientAuth().verifies() && tls.clientAuth() != ClientAuth.NO_CLIENT_CERT) {
        // Go's RequestClientCert and RequireAnyClientCert take any certificate, unverified.
        trust = TrustOptions.wrap(ACCEPT_ANY);
      }
      ssl = sslOptions(tls, new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key)),
          trust);
    }
    BasicAuth auth = config.users().isEmpty() ? null
        : previous != null && previous.users().equals(config.users()) ? previous : new BasicAuth(config.users());
    return new WebSecurity(file, config, ssl, auth, stamps, certificate);
  }

  /** Whether any file {@code current} was built from has changed since. Blocking: one stat per file. */
  public static boolean changed(Map<Path, FileStamp> stamps) {
    for (Map.Entry<Path, FileStamp> e : stamps.entrySet()) {
      if (!FileStamp.of(e.getKey()).equals(e.getValue())) return true;
    }
    return false;
  }

  static ServerSSLOptions sslOptions(Tls tls, PemKeyCertOptions keyCert, TrustOptions trust) {
    Set<String> protocols = new LinkedHashSet<>();
    for (TlsVersion v : TlsVersion.values()) {
      if (v.compareTo(tls.minVersion()) >= 0 && v.compareTo(tls.maxVersion()) <= 0) protocols.add(v.jdkName());
    }
    ServerSSLOptions o = new ServerSSLOptions()
        .setKeyCertOptions(keyCert)
        .setTrustOptions(trust)
        .setClientAuth(switch (tls.clientAuth()) {
          case NO_CLIENT_CERT -> io.vertx.core.http.ClientAuth.NONE;
          case REQUEST_CLIENT_CERT, VERIFY_CLIENT_CERT_IF_GIVEN -> io.vertx.core.http.ClientAuth.REQUEST;
          case REQUIRE_ANY_CLIENT_CERT, REQUIRE_AND_VERIFY_CLIENT_CERT -> io.vertx.core.http.ClientAuth.REQUIRED;
        })
        .setEnabledSecureTransportProtocols(protocols);
    if (!tls.cipherSuites().isEmpty()) {
      // The JDK would turn TLS 1.3 off with a list lacking its suites; Go keeps them on whatever the list says.
      for (String s : tls.cipherSuites()) if (!WebConfigParser.TLS13_SUITES.contains(s)) o.addEnabledCipherSuite(s);
      for (String s : WebConfigParser.TLS13_SUITES) o.addEnabledCipherSuite(s);
    }
    return o;
  }

  /** Loads the pair as the listener will, and proves the key is the certificate's (Go's X509KeyPair does). */
  private static X509Certificate checkKeyPair(byte[] cert, byte[] key, Vertx vertx) {
    String k = "tls_server_config.key_file";
    X509Certificate leaf;
    try {
      leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(cert)).stream().findFirst()
          .orElseThrow(() -> new IllegalArgumentException("no certificate"));
    } catch (Exception e) {
      throw new WebConfigException("tls_server_config.cert_file", "no PEM certificate in it (" + oneLine(e) + ")");
    }
    PrivateKey privateKey;
    try {
      KeyManagerFactory kmf = new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key))
          .getKeyManagerFactory(vertx);
      privateKey = privateKey(kmf);
    } catch (WebConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new WebConfigException(k, "cannot load the key (PEM, PKCS#8, PKCS#1 RSA or SEC1 EC): " + oneLine(e));
    }
    if (!belongTogether(privateKey, leaf.getPublicKey())) {
      throw new WebConfigException(k, "the private key does not match the certificate's public key (cert_file)");
    }
    return leaf;
  }

  private static PrivateKey privateKey(KeyManagerFactory kmf) {
    for (KeyManager km : kmf.getKeyManagers()) {
      if (!(km instanceof X509KeyManager x)) continue;
      for (String type : new String[] {"RSA", "EC", "EdDSA", "Ed25519", "RSASSA-PSS", "DSA"}) {
        String[] aliases = x.getServerAliases(type, null);
        if (aliases != null && aliases.length > 0) return x.getPrivateKey(aliases[0]);
      }
    }
    throw new WebConfigException("tls_server_config.key_file", "no usable private key in it");
  }

  /** Signs a few bytes with the key and verifies them with the certificate's public key. */
  private static boolean belongTogether(PrivateKey key, PublicKey pub) {
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "EdDSA", "Ed25519" -> "Ed25519";
      case "Ed448" -> "Ed448";
      case "DSA" -> "SHA256withDSA";
      default -> null;
    };
    if (alg == null) return key.getAlgorithm().equals(pub.getAlgorithm());
    try {
      byte[] probe = "pushring web-config key check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(pub);
      v.update(probe);
      return v.verify(sig);
    } catch (Exception e) {
      return false;
    }
  }

  private static String text(Path file, String key, Map<Path, FileStamp> stamps) {
    byte[] b = bytes(file, key, stamps);
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new WebConfigException(key, file + ": not UTF-8 text");
    }
  }

  /** The file's bytes; its stamp is taken first, so a change during the read is seen by the next check. */
  private static byte[] bytes(Path file, String key, Map<Path, FileStamp> stamps) {
    stamps.put(file, FileStamp.of(file));
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new WebConfigException(key, "cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new WebConfigException(key, "cannot read " + file + ": " + oneLine(e));
    }
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.replaceAll("\\s+", " ").strip();
  }

  /** For client-auth types that take any certificate (Go does not verify them). */
  private static final X509TrustManager ACCEPT_ANY = new X509TrustManager() {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("server side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
  };
}
