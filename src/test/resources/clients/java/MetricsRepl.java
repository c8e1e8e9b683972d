import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * prometheus-metrics-exporter-pushgateway 1.5.1 driven line by line on stdin (see
 * ../python/client.py for the protocol). Compiled and run by the test in its own JVM with only that
 * library's jars (pushring itself ships prometheus-metrics 1.3.x through Micrometer).
 */
public class MetricsRepl {
  public static void main(String[] args) throws Exception {
    String address = args[0].replaceFirst("^https?://", "");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.trim().split("\\s+");
      if (f[0].isEmpty()) continue;
      try {
        PrometheusRegistry registry = new PrometheusRegistry();
        PushGateway.Builder builder = PushGateway.builder().address(address).job(args[1])
            .groupingKey("instance", args[2]).registry(registry);
        if (args.length > 4) builder.basicAuth(args[3], args[4]);
        // The builder takes host:port; https is a separate setting (the trust store comes from javax.net.ssl.*).
        if (args[0].startsWith("https://")) builder.scheme(io.prometheus.metrics.exporter.pushgateway.Scheme.HTTPS);
        PushGateway gateway = builder.build();
        if (f[0].equals("put") || f[0].equals("add")) {
          Gauge.builder().name(f[1]).help("matrix").register(registry).set(Double.parseDouble(f[2]));
          if (f[0].equals("put")) gateway.push();
          else gateway.pushAdd();
        } else if (f[0].equals("delete")) {
          gateway.delete();
        }
        System.out.println("ok");
      } catch (Exception e) {
        System.out.println("error " + e.getClass().getSimpleName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
      }
      System.out.flush();
    }
  }
}
