package io.pushring.testing.consul;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificates of a Consul over TLS, made in the test run (BouncyCastle, RSA 2048, valid from an
 * hour ago for a day: nothing checked in that expires), written as PEM into {@code dir}: a CA, the
 * agent's certificate (DNS {@code localhost}, {@code server.dc1.consul}, IP {@code 127.0.0.1}: what a
 * Consul agent certificate made by {@code consul tls cert create -server} carries, plus the loopback
 * names the tests connect by), and a client certificate. Files: {@code ca.pem}, {@code
 * consul.pem}/{@code consul-key.pem}, {@code client.pem}/{@code client-key.pem}; a second CA's
 * certificate {@code other-ca.pem} for "wrong CA" checks.
 */
public record ConsulCerts(Path dir, Path caFile, Path certFile, Path keyFile, Path clientCertFile, Path clientKeyFile,
    Path otherCaFile) {
  /** The names in the agent's certificate besides localhost and 127.0.0.1. */
  public static final String SERVER_NAME = "server.dc1.consul";
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  public static ConsulCerts create(Path dir) {
    try {
      Files.createDirectories(dir);
      KeyPair caKey = rsa();
      X500Name caName = new X500Name("CN=pushring test Consul CA " + SERIAL.incrementAndGet());
      X509Certificate ca = sign(caName, caKey, caName, caKey.getPrivate(), true, List.of(), null);
      KeyPair serverKey = rsa();
      X509Certificate server = sign(new X500Name("CN=" + SERVER_NAME), serverKey, caName, caKey.getPrivate(), false,
          List.of(new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.dNSName, SERVER_NAME),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1")), KeyPurposeId.id_kp_serverAuth);
      KeyPair clientKey = rsa();
      X509Certificate client = sign(new X500Name("CN=pushring"), clientKey, caName, caKey.getPrivate(), false,
          List.of(new GeneralName(GeneralName.dNSName, "pushring")), KeyPurposeId.id_kp_clientAuth);
      KeyPair otherKey = rsa();
      X500Name otherName = new X500Name("CN=some other CA");
      X509Certificate other = sign(otherName, otherKey, otherName, otherKey.getPrivate(), true, List.of(), null);
      return new ConsulCerts(dir, write(dir.resolve("ca.pem"), ca), write(dir.resolve("consul.pem"), server),
          write(dir.resolve("consul-key.pem"), serverKey.getPrivate()), write(dir.resolve("client.pem"), client),
          write(dir.resolve("client-key.pem"), clientKey.getPrivate()), write(dir.resolve("other-ca.pem"), other));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static X509Certificate sign(X500Name subject, KeyPair subjectKey, X500Name issuer, PrivateKey issuerKey,
      boolean ca, List<GeneralName> sans, KeyPurposeId purpose) {
    try {
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, subjectKey.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(ca
          ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
          : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      if (!sans.isEmpty()) b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
      if (purpose != null) {
        // Consul's agent certificates carry both: the agent is a TLS client of the other servers too.
        b.addExtension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(new ArrayList<>(List.of(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth))
                .toArray(KeyPurposeId[]::new)));
      }
      return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
    } catch (Exception e) {
      throw new IllegalStateException("cannot make a test certificate", e);
    }
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path write(Path file, Object value) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(value instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : value);
    }
    return Files.writeString(file, out.toString());
  }
}
