package io.pushring.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The Vert.x adapter: reads the YAML file with Vert.x Config and hands the tree to
 * {@link ConfigLoader}. Only the one file store is used (no default stores, no env store):
 * environment overrides are applied by {@link ConfigLoader}, so precedence is ours.
 */
public final class ConfigReader {
  private ConfigReader() {}

  /**
   * @param file the YAML file, or null for none (every key at its default or from {@code env})
   * @return the configuration, or a failed future whose cause is a {@link ConfigException}
   */
  public static Future<PushringConfig> read(Vertx vertx, Path file, Map<String, String> env) {
    if (file == null) return load(Map.of(), env);
    String path = file.toString();
    // Existence is checked first: the file store would otherwise fall back to the class path.
    return vertx.fileSystem().exists(path)
        .compose(exists -> exists ? vertx.fileSystem().readFile(path)
            : Future.failedFuture(new ConfigException(path, "no such file")))
        .recover(err -> Future.failedFuture(err instanceof ConfigException ? err
            : new ConfigException(path, "cannot read: " + oneLine(err))))
        // The YAML processor fails on a stream without a document (NPE), so "comments only" is
        // recognised here: like an empty file, it sets no key.
        .compose(content -> hasDocument(content.toString()) ? readTree(vertx, path) : Future.succeededFuture(Map.of()))
        .compose(tree -> load(tree, env));
  }

  /** Same as {@link #read(Vertx, Path, Map)} for a parsed command line. */
  public static Future<PushringConfig> read(Vertx vertx, CommandLine cli, Map<String, String> env) {
    return read(vertx, cli.configFile().orElse(null), env);
  }

  private static Future<Map<String, Object>> readTree(Vertx vertx, String path) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .setScanPeriod(-1) // read once: no periodic re-scan timer
        .addStore(new ConfigStoreOptions().setType("file").setFormat("yaml")
            .setConfig(new JsonObject().put("path", path))));
    return retriever.getConfig()
        .transform(ar -> {
          retriever.close();
          if (ar.failed()) return Future.failedFuture(new ConfigException(path, yamlProblem(ar.cause())));
          return Future.succeededFuture(toPlain(ar.result()));
        });
  }

  private static Future<PushringConfig> load(Map<String, Object> tree, Map<String, String> env) {
    try {
      return Future.succeededFuture(ConfigLoader.load(tree, env));
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
  }

  /** Nested JsonObject/JsonArray to Map/List: getMap() leaves nested Json values as they are stored. */
  static Map<String, Object> toPlain(JsonObject json) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json.getMap().entrySet()) out.put(e.getKey(), plain(e.getValue()));
    return out;
  }

  private static Object plain(Object v) {
    if (v instanceof JsonObject o) return toPlain(o);
    if (v instanceof Map<?, ?> m) return toPlain(new JsonObject(castMap(m)));
    if (v instanceof JsonArray a) return plainList(a.getList());
    if (v instanceof List<?> l) return plainList(l);
    return v;
  }

  private static List<Object> plainList(List<?> l) {
    List<Object> out = new ArrayList<>(l.size());
    for (Object item : l) out.add(plain(item));
    return out;
  }

  @SuppressWarnings("unchecked") // JSON object keys are strings
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  /** True unless every line is blank, a comment, or a document marker. */
  static boolean hasDocument(String yaml) {
    for (String line : yaml.split("\\R")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) continue;
      if ((l.startsWith("---") || l.startsWith("...")) && (l.length() == 3 || l.substring(3).strip().startsWith("#"))) continue;
      return true;
    }
    return false;
  }

  private static String yamlProblem(Throwable t) {
    if (t instanceof MarkedYAMLException y && y.getProblemMark() != null) {
      return "invalid YAML at line " + (y.getProblemMark().getLine() + 1) + ", column " + (y.getProblemMark().getColumn() + 1)
          + ": " + oneLine(y.getProblem());
    }
    // The processor casts the document to a Map: a list or a scalar at the top fails there.
    if (t instanceof DecodeException || t instanceof NullPointerException) {
      return "expected a YAML mapping (key: value lines) at the top level";
    }
    return "invalid YAML: " + oneLine(t);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").strip();
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t.getCause() != null && t.getCause().getMessage() != null && !m.contains(t.getCause().getMessage())) {
      m = m + ": " + t.getCause().getMessage();
    }
    return m.replaceAll("\\s+", " ").strip();
  }
}
