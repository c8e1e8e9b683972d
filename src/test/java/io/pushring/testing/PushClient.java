package io.pushring.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The real Pushgateway clients, each as the program an application would run: the library's own
 * push (PUT), pushAdd (POST) and delete (DELETE), driven line by line over stdin (see
 * {@code src/test/resources/clients}). {@link #prepare()} builds what needs building once and says
 * why a client cannot run here, so tests skip only what truly is missing.
 */
public enum PushClient {
  PYTHON("Python prometheus_client (Debian python3-prometheus-client)"),
  JAVA_SIMPLECLIENT("Java simpleclient_pushgateway 0.16.0"),
  JAVA_METRICS("Java prometheus-metrics-exporter-pushgateway 1.5.1"),
  GO("Go client_golang (Debian golang-github-prometheus-client-golang-dev)"),
  NODE("Node prom-client 15.1.3"),
  CURL("curl without -L"),
  CURL_FOLLOW("curl -L");

  /** Basic-auth credentials a client sends, or null. */
  public record Auth(String user, String password) {}

  private static final Path BUILD = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"));
  private static final Path SOURCES = BUILD.resolve("test-classes/clients");
  private static final String PYTHON3 = "/usr/bin/python3";   // not a pyenv python3 found first on PATH
  private static final String NODE_PROM_CLIENT = "prom-client@15.1.3";
  private static final Map<PushClient, String> UNAVAILABLE = new ConcurrentHashMap<>();
  private static volatile boolean prepared;

  private final String label;

  PushClient(String label) {
    this.label = label;
  }

  public String label() { return label; }

  /** Builds the Java, Go and Node clients once per JVM; records why a client cannot run. */
  public static synchronized void prepare() {
    if (prepared) return;
    prepared = true;
    check(PYTHON, () -> run(List.of(PYTHON3, "-c", "import prometheus_client"), Map.of(), 30) == 0
        ? null : "python3-prometheus-client is not installed (make deps-test installs it)");
    check(JAVA_SIMPLECLIENT, () -> compileJava("simpleclient", "SimpleclientRepl"));
    check(JAVA_METRICS, () -> compileJava("metrics", "MetricsRepl"));
    check(GO, PushClient::buildGo);
    check(NODE, PushClient::installNode);
    check(CURL, () -> Files.isExecutable(Path.of("/usr/bin/curl")) ? null : "curl is not installed");
    check(CURL_FOLLOW, () -> Files.isExecutable(Path.of("/usr/bin/curl")) ? null : "curl is not installed");
  }

  /** Null when this client can run here, else why not. */
  public String unavailable() {
    prepare();
    return UNAVAILABLE.get(this);
  }

  private interface Check { String problem() throws Exception; }

  private static void check(PushClient client, Check check) {
    String problem;
    try {
      problem = check.problem();
    } catch (Exception e) {
      problem = e.toString();
    }
    if (problem != null) {
      UNAVAILABLE.put(client, problem);
      System.out.println("client " + client + " unavailable: " + problem);
    }
  }

  private static String compileJava(String library, String main) throws IOException {
    Path jars = BUILD.resolve("java-clients").resolve(library);
    if (!Files.isDirectory(jars)) return jars + " is missing (mvn process-test-resources copies the jars)";
    Path classes = BUILD.resolve("java-clients").resolve(library + "-classes");
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status = javac.run(null, null, null, "-d", classes.toString(), "-cp", classPath(jars),
        SOURCES.resolve("java").resolve(main + ".java").toString());
    return status == 0 ? null : "javac failed for " + main;
  }

  private static String classPath(Path jarDirectory) throws IOException {
    List<String> entries = new ArrayList<>();
    try (Stream<Path> files = Files.list(jarDirectory)) {
      files.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> entries.add(p.toString()));
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static String buildGo() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/go"))) return "golang-go is not installed (make deps-test installs it)";
    if (!Files.isDirectory(Path.of("/usr/share/gocode/src/github.com/prometheus/client_golang/prometheus/push"))) {
      return "golang-github-prometheus-client-golang-dev is not installed (make deps-test installs it)";
    }
    Path binary = BUILD.resolve("go-client/client");
    if (Files.isExecutable(binary)) return null;
    Files.createDirectories(binary.getParent());
    // GOPATH mode over Debian's packaged sources: no module download. The build cache stays in the
    // user's default GOCACHE, so only the first build on a machine is slow (~50 s).
    int status = run(List.of("/usr/bin/go", "build", "-o", binary.toString(), SOURCES.resolve("go/client.go").toString()),
        Map.of("GO111MODULE", "off", "GOPATH", "/usr/share/gocode", "GOFLAGS", ""), 600);
    return status == 0 ? null : "go build failed with status " + status;
  }

  private static String installNode() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/node")) && !Files.isExecutable(Path.of("/usr/local/bin/node"))) {
      return "node is not installed";
    }
    Path prefix = BUILD.resolve("node-clients").toAbsolutePath();
    if (Files.isDirectory(prefix.resolve("node_modules/prom-client"))) return null;
    Files.createDirectories(prefix);
    int status = run(List.of("npm", "install", "--no-save", "--no-audit", "--no-fund", "--silent", "--prefix",
        prefix.toString(), NODE_PROM_CLIENT), Map.of(), 240);
    return Files.isDirectory(prefix.resolve("node_modules/prom-client")) ? null
        : "npm install " + NODE_PROM_CLIENT + " failed (status " + status + "): is the npm registry reachable?";
  }

  private static int run(List<String> command, Map<String, String> env, int timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(BUILD.resolve("push-clients-build.log").toFile()));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  /**
   * A running client aimed at {@code gatewayUrl} (pushring or a Pushgateway) for the group
   * {@code job}/{@code instance}. Each {@link Session#send} is one library call.
   */
  public Session start(String gatewayUrl, String job, String instance, Auth auth) {
    return start(gatewayUrl, job, instance, auth, Map.of());
  }

  /** As {@link #start(String, String, String, Auth)}, with variables added to the client's environment (e.g. a CA to trust). */
  public Session start(String gatewayUrl, String job, String instance, Auth auth, Map<String, String> extraEnv) {
    prepare();
    if (unavailable() != null) throw new IllegalStateException(this + ": " + unavailable());
    if (this == CURL || this == CURL_FOLLOW) {
      return new CurlSession(this == CURL_FOLLOW, gatewayUrl, job, instance, auth, extraEnv);
    }
    List<String> command = new ArrayList<>();
    Map<String, String> env = new java.util.HashMap<>(extraEnv);
    try {
      switch (this) {
        case PYTHON -> command.addAll(List.of(PYTHON3, SOURCES.resolve("python/client.py").toString()));
        case JAVA_SIMPLECLIENT, JAVA_METRICS -> {
          String library = this == JAVA_SIMPLECLIENT ? "simpleclient" : "metrics";
          Path dir = BUILD.resolve("java-clients");
          command.addAll(List.of(javaBinary(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
              dir.resolve(library + "-classes") + java.io.File.pathSeparator + classPath(dir.resolve(library)),
              this == JAVA_SIMPLECLIENT ? "SimpleclientRepl" : "MetricsRepl"));
        }
        case GO -> command.add(BUILD.resolve("go-client/client").toString());
        case NODE -> {
          command.addAll(List.of("node", SOURCES.resolve("node/client.js").toString()));
          env.put("NODE_PATH", BUILD.resolve("node-clients/node_modules").toAbsolutePath().toString());
        }
        default -> throw new IllegalStateException(name());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    command.addAll(List.of(gatewayUrl, job, instance));
    if (auth != null) command.addAll(List.of(auth.user(), auth.password()));
    return new ProcessSession(command, env);
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  /** One client program; {@code send("put m 1")} answers "ok" or "error ...". */
  public interface Session extends AutoCloseable {
    String send(String command);

    @Override
    void close();
  }

  private static final class ProcessSession implements Session {
    private final Process process;
    private final Writer in;
    private final BufferedReader out;
    private final Path stderr;

    ProcessSession(List<String> command, Map<String, String> env) {
      try {
        stderr = Files.createTempFile("push-client-", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(stderr.toFile());
        pb.environment().putAll(env);
        process = pb.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + command, e);
      }
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public String send(String command) {
      try {
        in.write(command + "\n");
        in.flush();
        String line = CompletableFuture.supplyAsync(() -> {
          try {
            return out.readLine();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }).get(60, TimeUnit.SECONDS);
        if (line == null) throw new IllegalStateException("client exited: " + Files.readString(stderr));
        return line;
      } catch (Exception e) {
        throw new IllegalStateException("client did not answer '" + command + "': " + e + " " + readStderr(), e);
      }
    }

    private String readStderr() {
      try {
        return Files.readString(stderr);
      } catch (IOException e) {
        return "";
      }
    }

    @Override
    public void close() {
      try {
        in.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
      } catch (Exception e) {
        process.destroyForcibly();
      }
      try {
        Files.deleteIfExists(stderr);
      } catch (IOException ignored) {
        // a temp file
      }
    }
  }

  /** curl has no library calls: each command is one curl run; "ok" means exit status 0, as a script sees it. */
  private static final class CurlSession implements Session {
    private final boolean follow;
    private final String url;
    private final Auth auth;
    private final Map<String, String> env;

    CurlSession(boolean follow, String gatewayUrl, String job, String instance, Auth auth, Map<String, String> env) {
      this.env = env;
      this.follow = follow;
      this.url = gatewayUrl + "/metrics/job/" + job + "/instance/" + instance;
      this.auth = auth;
    }

    @Override
    public String send(String command) {
      String[] f = command.trim().split("\\s+");
      List<String> curl = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "-o", "/dev/null", "--max-time", "20"));
      if (follow) curl.add("-L");
      if (auth != null) curl.addAll(List.of("-u", auth.user() + ":" + auth.password()));
      switch (f[0]) {
        case "put" -> curl.addAll(List.of("-X", "PUT", "--data-binary", f[1] + " " + f[2] + "\n"));
        case "add" -> curl.addAll(List.of("-X", "POST", "--data-binary", f[1] + " " + f[2] + "\n"));
        case "delete" -> curl.addAll(List.of("-X", "DELETE"));
        default -> throw new IllegalArgumentException(command);
      }
      curl.add(url);
      try {
        ProcessBuilder pb = new ProcessBuilder(curl).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int status = p.waitFor();
        return status == 0 ? "ok" : "error curl exit " + status + " " + output;
      } catch (Exception e) {
        throw new IllegalStateException("curl failed to run", e);
      }
    }

    @Override
    public void close() {}
  }
}
