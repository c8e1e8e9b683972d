package io.pushring.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the YAML file with SnakeYAML and hands the tree to {@link ConfigLoader}.
 *
 * <p>Why SnakeYAML directly and not vertx-config: pushring reads one local file, once, before
 * Vert.x starts, and applies the environment itself (its precedence and error messages are ours).
 * vertx-config added nothing to that but workarounds: its file store falls back to the class path
 * when the file is missing, its YAML processor throws a NullPointerException on a file without a
 * document, it hands back JsonObjects that had to be converted to plain maps, and it offers no way
 * to reject duplicate keys, which YAML resolves silently by keeping the last one (a second
 * {@code http:} block replacing the first). Reading the node tree here lets us name the duplicate
 * key with its dotted path and line. Blocking file I/O: called on the main thread only.
 */
public final class ConfigReader {
  private ConfigReader() {}

  /**
   * @param file the YAML file, or null for none (every key at its default or from {@code env})
   * @throws ConfigException naming the file or the first invalid key
   */
  public static PushringConfig read(Path file, Map<String, String> env) {
    if (file == null) return ConfigLoader.load(Map.of(), env);
    return ConfigLoader.load(parse(readText(file), file.toString()), env);
  }

  /** Same as {@link #read(Path, Map)} for a parsed command line. */
  public static PushringConfig read(CommandLine cli, Map<String, String> env) {
    PushringConfig config = read(cli.configFile().orElse(null), env);
    if (cli.webConfigFile().isEmpty()) return config;
    // The Prometheus flag wins over the key (file or environment), as a command line does.
    return new PushringConfig(config.http().withWebConfigFile(cli.webConfigFile().get()),
        config.router(), config.placement(), config.discovery(), config.consul(), config.pushgateways(), config.tap(),
        config.accessLog(), config.reconcile());
  }

  private static String readText(Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), "no such file");
    } catch (CharacterCodingException e) {
      throw new ConfigException(file.toString(), "cannot read: not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "cannot read: " + oneLine(e));
    }
  }

  /**
   * The YAML text as nested maps, lists and scalars; an empty map for a stream without content.
   *
   * @param source names the text in error messages (the file)
   * @throws ConfigException for invalid YAML, a top level that is not a mapping, or a duplicate key
   */
  static Map<String, Object> parse(String yaml, String source) {
    PlainConstructor constructor = new PlainConstructor();
    Node root;
    try {
      root = new Yaml(constructor).compose(new StringReader(yaml));
    } catch (YAMLException e) {
      throw new ConfigException(source, yamlProblem(e));
    }
    if (root == null || (root instanceof ScalarNode s && s.getTag().equals(Tag.NULL))) return Map.of();
    if (!(root instanceof MappingNode)) {
      throw new ConfigException(source, "expected a YAML mapping (key: value lines) at the top level");
    }
    rejectDuplicateKeys(root, "", source);
    try {
      @SuppressWarnings("unchecked") // a MappingNode constructs to a Map
      Map<String, Object> tree = (Map<String, Object>) constructor.construct(root);
      return tree;
    } catch (YAMLException e) {
      throw new ConfigException(source, yamlProblem(e));
    }
  }

  /**
   * YAML keeps the last of two equal keys without a word; a configuration that says two things
   * about one key is refused instead, naming the key's dotted path and both lines.
   */
  private static void rejectDuplicateKeys(Node node, String path, String source) {
    if (node instanceof SequenceNode seq) {
      for (Node item : seq.getValue()) rejectDuplicateKeys(item, path, source);
      return;
    }
    if (!(node instanceof MappingNode map)) return;
    Map<String, Node> seen = new HashMap<>();
    for (NodeTuple tuple : map.getValue()) {
      Node keyNode = tuple.getKeyNode();
      String name = keyNode instanceof ScalarNode s ? s.getValue() : null;
      // "<<" is a merge key: keys it brings in may be overridden on purpose.
      boolean merge = keyNode.getTag().equals(Tag.MERGE);
      String child = name == null ? path : path.isEmpty() ? name : path + "." + name;
      if (name != null && !merge) {
        Node first = seen.putIfAbsent(name, keyNode);
        if (first != null) {
          throw new ConfigException(child, "duplicate key at line " + line(keyNode.getStartMark()) + " of " + source
              + " (first at line " + line(first.getStartMark()) + "); YAML would silently keep only the last one");
        }
      }
      rejectDuplicateKeys(tuple.getValueNode(), child, source);
    }
  }

  private static int line(Mark mark) {
    return mark == null ? 0 : mark.getLine() + 1;
  }

  /** SafeConstructor (plain Java types only, no arbitrary classes) that builds a composed node. */
  private static final class PlainConstructor extends SafeConstructor {
    PlainConstructor() {
      super(new LoaderOptions());
    }

    Object construct(Node root) {
      return constructDocument(root);
    }
  }

  private static String yamlProblem(YAMLException t) {
    if (t instanceof MarkedYAMLException y && y.getProblemMark() != null) {
      return "invalid YAML at line " + line(y.getProblemMark()) + ", column " + (y.getProblemMark().getColumn() + 1)
          + ": " + oneLine(y.getProblem());
    }
    return "invalid YAML: " + oneLine(t);
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s+", " ").strip();
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.replaceAll("\\s+", " ").strip();
  }
}
