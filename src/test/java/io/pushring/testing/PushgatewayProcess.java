package io.pushring.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus Pushgateway ({@code /usr/bin/prometheus-pushgateway}, 1.5.1 on Debian) on a free
 * loopback port, without persistence unless its arguments name a {@code --persistence.file=}. Start it with {@link #start}, use it, {@link #close} it
 * (try-with-resources). Every process still alive when the JVM exits is SIGKILLed by a shutdown hook,
 * so a failed or interrupted test run never leaks one.
 *
 * <p>{@link #request} speaks HTTP/1.1 over a plain socket and sends the path bytes exactly as given
 * (one byte per char), because {@code java.net.URI} and HttpClient re-encode or refuse paths such as
 * {@code %zz}, raw bytes above 0x7F or {@code /../}.
 */
public final class PushgatewayProcess implements AutoCloseable {
  /** Override with -Dpushring.pushgateway.bin=... or PUSHRING_PUSHGATEWAY_BIN. */
  public static final String BINARY = System.getProperty("pushring.pushgateway.bin",
      System.getenv().getOrDefault("PUSHRING_PUSHGATEWAY_BIN", "/usr/bin/prometheus-pushgateway"));
  private static final String HOST = "127.0.0.1";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);
  private static final int START_ATTEMPTS = 3;
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "pushgateway-reaper"));
  }

  private final Process process;
  private final int port;
  private final List<String> extraArgs;
  private final Path log;
  private volatile boolean closed;

  private PushgatewayProcess(Process process, int port, List<String> extraArgs, Path log) {
    this.process = process;
    this.port = port;
    this.extraArgs = extraArgs;
    this.log = log;
  }

  /**
   * Starts a Pushgateway with {@code --persistence.file=} (empty: in memory only, unless {@code extraArgs}
   * names a file) and
   * {@code --web.listen-address=127.0.0.1:<free port>} plus {@code extraArgs}, and waits until
   * {@code GET /-/ready} answers 200. Fails with the process output if it exits or never gets ready.
   */
  public static PushgatewayProcess start(String... extraArgs) {
    IllegalStateException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        return launch(FreePorts.find(), extraArgs);
      } catch (PortTaken e) {
        // Another process may have taken the port between FreePorts.find() and the bind: retry.
        last = e;
      }
    }
    throw last;
  }

  /**
   * As {@link #start(String...)}, on a given {@code port} and in one attempt: for a Pushgateway that
   * must come back where Consul's check and the ring expect it (see {@link #restart()}).
   */
  public static PushgatewayProcess start(int port, String... extraArgs) {
    return launch(port, extraArgs);
  }

  /**
   * A new Pushgateway on this one's port with the same arguments, once this one was killed or closed:
   * empty, or, with a {@code --persistence.file=}, holding what that file kept (a crashed or restarted
   * Pushgateway coming back with its data).
   */
  public PushgatewayProcess restart() {
    if (process.isAlive()) throw new IllegalStateException(this + " is still running");
    LIVE.remove(process);
    deleteLog();
    return start(port, extraArgs.toArray(String[]::new));
  }

  /** The port was in use: {@link #start(String...)} tries another. */
  private static final class PortTaken extends IllegalStateException {
    PortTaken(IllegalStateException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private static PushgatewayProcess launch(int port, String... extraArgs) {
    // In memory unless the caller names a file (the flag may be given once only).
    boolean persistent = Arrays.stream(extraArgs).anyMatch(a -> a.startsWith("--persistence.file="));
    List<String> command = new ArrayList<>(List.of(BINARY));
    if (!persistent) command.add("--persistence.file=");
    command.add("--web.listen-address=" + HOST + ":" + port);
    command.addAll(List.of(extraArgs));
    Path log;
    Process process;
    try {
      log = Files.createTempFile("pushgateway-" + port + "-", ".log");
      process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    LIVE.add(process);
    PushgatewayProcess pg = new PushgatewayProcess(process, port, List.of(extraArgs), log);
    try {
      pg.awaitReady(command);
      return pg;
    } catch (IllegalStateException e) {
      pg.kill();
      String output = pg.output();
      pg.deleteLog();
      if (output.contains("address already in use")) throw new PortTaken(e);
      throw e;
    }
  }

  private void awaitReady(List<String> command) {
    // With --web.config.file basic auth guards every path, /-/ready too: 401 means it serves; with
    // tls_server_config, Go answers this plain-HTTP probe 400 ("Client sent an HTTP request to an HTTPS server").
    boolean basicAuth = command.stream().anyMatch(a -> a.startsWith("--web.config.file"));
    // an exception while polling means not listening yet
    boolean ready = Await.holdsWithin(START_TIMEOUT, Duration.ofMillis(50), () -> {
      if (!process.isAlive()) return true;
      int status = request("GET", "/-/ready", null, Duration.ofSeconds(1)).status();
      return status == 200 || ((status == 401 || status == 400) && basicAuth);
    });
    if (!process.isAlive()) {
      throw new IllegalStateException("Pushgateway exited with status " + process.exitValue() + ": "
          + command + "\n" + output());
    }
    if (ready) return;
    throw new IllegalStateException("Pushgateway not ready after " + START_TIMEOUT + ": " + command + "\n" + output());
  }

  public int port() { return port; }

  public String host() { return HOST; }

  public String baseUrl() { return "http://" + HOST + ":" + port; }

  /** {@code https://127.0.0.1:<port>}, for one started with a web config holding {@code tls_server_config}. */
  public String httpsUrl() { return "https://" + HOST + ":" + port; }

  public long pid() { return process.pid(); }

  public boolean isAlive() { return process.isAlive(); }

  /** What the process wrote to stdout and stderr so far. */
  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(output unreadable: " + e + ")";
    }
  }

  /** SIGSTOP: the process keeps its sockets (connections are accepted by the kernel) but answers nothing until {@link #resume()}. */
  public void stop() {
    signal("STOP");
  }

  /** SIGCONT after {@link #stop()}. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
      if (rc != 0) throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + rc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGKILL by PID (simulates a crash); waits until the process is gone. */
  public void kill() {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    waitForExit(Duration.ofSeconds(10));
    LIVE.remove(process);
  }

  /** SIGTERM, SIGKILL after 5 s. Idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    process.destroy();
    if (!waitForExit(Duration.ofSeconds(5))) kill();
    LIVE.remove(process);
    deleteLog();
  }

  private boolean waitForExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  private void deleteLog() {
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a temp file; nothing depends on it
    }
  }

  // ---- HTTP helpers

  /** An HTTP response as received. Header names are lower-cased. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String bodyText() { return new String(body, StandardCharsets.UTF_8); }

    public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

    public boolean is2xx() { return status >= 200 && status < 300; }
  }

  /** PUT of a text-format body to the raw path. */
  public Response put(String rawPath, String body) {
    return request("PUT", rawPath, body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
  }

  /**
   * One request on a fresh connection ({@code Connection: close}). The path is sent byte for byte
   * (each char must be at most U+00FF). Throws UncheckedIOException on connection errors and timeouts.
   */
  public Response request(String method, String rawPath, byte[] body, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(HOST, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes((method + " ").getBytes(StandardCharsets.US_ASCII));
      req.writeBytes(rawPath.getBytes(StandardCharsets.ISO_8859_1));
      req.writeBytes((" HTTP/1.1\r\nHost: " + HOST + ":" + port + "\r\nConnection: close\r\n"
          + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      if (body != null) req.writeBytes(body);
      OutputStream out = socket.getOutputStream();
      out.write(req.toByteArray());
      out.flush();
      return parse(socket.getInputStream().readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + rawPath + " on " + baseUrl() + ": " + e, e);
    }
  }

  private static Response parse(byte[] raw) throws IOException {
    int headerEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
    if (headerEnd < 0) throw new IOException("incomplete response: " + new String(raw, StandardCharsets.ISO_8859_1));
    String[] lines = new String(raw, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, headerEnd + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) body = dechunk(body);
    return new Response(status, headers, body);
  }

  private static byte[] dechunk(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int pos = 0;
    while (true) {
      int eol = indexOf(b, new byte[] {'\r', '\n'}, pos);
      String sizeLine = new String(b, pos, eol - pos, StandardCharsets.US_ASCII);
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) return out.toByteArray();
      out.write(b, eol + 2, size);
      pos = eol + 2 + size + 2;
    }
  }

  private static int indexOf(byte[] b, byte[] what, int from) {
    outer:
    for (int i = from; i <= b.length - what.length; i++) {
      for (int j = 0; j < what.length; j++) if (b[i + j] != what[j]) continue outer;
      return i;
    }
    return -1;
  }

  /** The grouping labels of every group the Pushgateway holds ({@code GET /api/v1/metrics}, {@code data[].labels}). */
  public List<Map<String, String>> groups() {
    Response r = request("GET", "/api/v1/metrics", null, Duration.ofSeconds(10));
    if (r.status() != 200) throw new IllegalStateException("GET /api/v1/metrics: " + r.status() + " " + r.bodyText());
    JsonArray data = new JsonObject(r.bodyText()).getJsonArray("data");
    List<Map<String, String>> groups = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      JsonObject labels = data.getJsonObject(i).getJsonObject("labels");
      Map<String, String> m = new TreeMap<>();
      labels.forEach(e -> m.put(e.getKey(), String.valueOf(e.getValue())));
      groups.add(m);
    }
    return groups;
  }

  /**
   * Deletes every group through its all-base64 DELETE path (no admin API needed) and waits until the
   * Pushgateway reports none: deletes are queued ("202 Accepted"), not applied synchronously.
   * Groups whose labels are not valid UTF-8 cannot be named through the JSON API, so this fails on them.
   */
  public void deleteAllGroups() {
    for (Map<String, String> labels : groups()) {
      StringBuilder path = new StringBuilder("/metrics/job@base64/").append(b64(labels.get("job")));
      labels.forEach((k, v) -> {
        if (!k.equals("job")) path.append('/').append(k).append("@base64/").append(b64(v));
      });
      int status = request("DELETE", path.toString(), null, Duration.ofSeconds(10)).status();
      if (status != 202) throw new IllegalStateException("DELETE " + path + " answered " + status);
    }
    if (!Await.holdsWithin(Duration.ofSeconds(10), () -> groups().isEmpty())) {
      throw new IllegalStateException("groups left after delete: " + groups());
    }
  }

  /** Base64url of the UTF-8 value; "=" for the empty string (an empty segment would make the path unclean). */
  private static String b64(String value) {
    return value.isEmpty() ? "=" : Base64.getUrlEncoder().withoutPadding()
        .encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }


  @Override
  public String toString() {
    return "Pushgateway[pid " + process.pid() + ", " + baseUrl() + "]";
  }
}
