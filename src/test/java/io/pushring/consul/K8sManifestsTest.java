package io.pushring.consul;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.CommandLine;
import io.pushring.config.ConfigReader;
import io.pushring.config.PushringConfig;
import io.pushring.config.PushringConfig.DiscoveryMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Issue 3: the files operators copy. There is no cluster here, so the k8s manifests are checked as
 * data: they parse, hang together (selector, ports, probes, config mount), and the pushring.yaml in
 * the ConfigMap, with the Deployment's PUSHRING_* variables, is a configuration pushring itself
 * accepts. conf/prometheus.yml is checked for what the Consul mode depends on.
 */
class K8sManifestsTest {
  private static final Path K8S = Path.of("k8s");

  @Test
  void deploymentServiceAndConfigMapHangTogether() throws IOException {
    Map<String, Map<String, Object>> byKind = new HashMap<>();
    try (var files = Files.list(K8S)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object doc : new Yaml().loadAll(Files.readString(file))) {
          Map<String, Object> m = map(doc);
          assertThat(m).as(file + ": apiVersion, kind, metadata.name").containsKeys("apiVersion", "kind", "metadata");
          assertThat(byKind.put((String) m.get("kind"), m)).as("one " + m.get("kind")).isNull();
        }
      }
    }
    assertThat(byKind).containsOnlyKeys("Deployment", "Service", "ConfigMap");
    Map<String, Object> deployment = byKind.get("Deployment");
    Map<String, Object> service = byKind.get("Service");
    Map<String, Object> configMap = byKind.get("ConfigMap");

    Map<String, Object> spec = map(deployment.get("spec"));
    assertThat((Integer) spec.get("replicas")).as("replicas").isGreaterThanOrEqualTo(2);
    Map<String, Object> labels = map(map(map(spec.get("template")).get("metadata")).get("labels"));
    assertThat(labels).containsAllEntriesOf(map(map(spec.get("selector")).get("matchLabels")));
    assertThat(labels).as("the Service selects the pods").containsAllEntriesOf(map(map(service.get("spec")).get("selector")));

    Map<String, Object> pod = map(map(spec.get("template")).get("spec"));
    Map<String, Object> container = map(list(pod.get("containers")).get(0));
    Map<String, Object> port = map(list(container.get("ports")).get(0));
    assertThat(map(list(map(service.get("spec")).get("ports")).get(0)).get("targetPort"))
        .as("Service targetPort").isIn(port.get("name"), port.get("containerPort"));
    assertThat(map(map(container.get("readinessProbe")).get("httpGet")).get("path")).isEqualTo("/-/ready");
    assertThat(map(map(container.get("livenessProbe")).get("httpGet")).get("path")).isEqualTo("/-/healthy");
    int preStop = Integer.parseInt((String) list(map(map(map(container.get("lifecycle")).get("preStop")).get("exec"))
        .get("command")).get(1));
    assertThat((Integer) pod.get("terminationGracePeriodSeconds")).as("grace covers preStop + the 10 s drain")
        .isGreaterThan(preStop + 10);

    // pushring's own command line and configuration, as the pod would start it
    List<String> args = new ArrayList<>();
    for (Object a : list(container.get("args"))) args.add((String) a);
    CommandLine cli = CommandLine.parse(args.toArray(String[]::new), p -> true);
    Path mounted = cli.configFile().orElseThrow();
    Map<String, Object> mount = map(list(container.get("volumeMounts")).get(0));
    assertThat(mounted.getParent().toString()).isEqualTo(mount.get("mountPath"));
    Map<String, Object> volume = map(list(pod.get("volumes")).get(0));
    assertThat(volume.get("name")).isEqualTo(mount.get("name"));
    assertThat(map(volume.get("configMap")).get("name")).isEqualTo(map(configMap.get("metadata")).get("name"));
    String yaml = (String) map(configMap.get("data")).get(mounted.getFileName().toString());
    assertThat(yaml).as("ConfigMap key " + mounted.getFileName()).isNotNull();

    Map<String, String> env = new HashMap<>();
    for (Object each : list(container.get("env"))) {
      Map<String, Object> e = map(each);
      String name = (String) e.get("name");
      if (!name.startsWith("PUSHRING_")) continue;
      // $(HOST_IP) and Secret values as Kubernetes would fill them in
      String value = e.containsKey("value") ? ((String) e.get("value")).replace("$(HOST_IP)", "10.1.2.3") : "s3cr3t";
      env.put(name, value);
    }
    Path file = Files.createTempFile("pushring-k8s-", ".yaml");
    try {
      Files.writeString(file, yaml);
      PushringConfig config = ConfigReader.read(file, env);
      assertThat(config.discovery().mode()).isEqualTo(DiscoveryMode.CONSUL);
      assertThat(config.http().port()).isEqualTo(port.get("containerPort"));
      assertThat(config.consul().address()).isEqualTo("10.1.2.3:8500");
      assertThat(config.consul().token()).isEqualTo("s3cr3t");
      assertThat(config.pushgateways().servers()).isNotEmpty();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void prometheusConfigScrapesWhatPushringListsWithHonorLabelsAndNoPerPushgatewayLabel() throws IOException {
    Map<String, Object> config = map(new Yaml().load(Files.readString(Path.of("conf/prometheus.yml"))));
    Map<String, Map<String, Object>> jobs = new HashMap<>();
    for (Object each : list(config.get("scrape_configs"))) jobs.put((String) map(each).get("job_name"), map(each));
    assertThat(jobs).containsKeys("pushgateway", "pushring");
    Map<String, Object> pushgateway = jobs.get("pushgateway");
    assertThat(pushgateway.get("honor_labels")).isEqualTo(true);
    Map<String, Object> sd = map(list(pushgateway.get("http_sd_configs")).get(0));
    assertThat((String) sd.get("url")).as("pushring's HTTP SD of the admitted Pushgateways").endsWith(":9292/sd/pushgateways");
    assertThat(pushgateway).as("no discovery but pushring's: it alone knows which Pushgateways are admitted")
        .doesNotContainKeys("consul_sd_configs", "static_configs");
    assertThat(pushgateway).as("no rule adding a per-Pushgateway label to pushed series")
        .doesNotContainKeys("relabel_configs", "metric_relabel_configs");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Object>) o;
  }
}
