import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Gauge;
import io.prometheus.client.exporter.BasicAuthHttpConnectionFactory;
import io.prometheus.client.exporter.PushGateway;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URL;
import java.util.Map;

/**
 * simpleclient_pushgateway 0.16.0 driven line by line on stdin (see ../python/client.py for the
 * protocol). Compiled and run by the test in its own JVM with only that library's jars.
 */
public class SimpleclientRepl {
  public static void main(String[] args) throws Exception {
    PushGateway gateway = new PushGateway(new URL(args[0]));
    if (args.length > 4) gateway.setConnectionFactory(new BasicAuthHttpConnectionFactory(args[3], args[4]));
    String job = args[1];
    Map<String, String> key = Map.of("instance", args[2]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    for (String line; (line = in.readLine()) != null; ) {
      String[] f = line.trim().split("\\s+");
      if (f[0].isEmpty()) continue;
      try {
        if (f[0].equals("put") || f[0].equals("add")) {
          CollectorRegistry registry = new CollectorRegistry();
          Gauge.build(f[1], "matrix").register(registry).set(Double.parseDouble(f[2]));
          if (f[0].equals("put")) gateway.push(registry, job, key);
          else gateway.pushAdd(registry, job, key);
        } else if (f[0].equals("delete")) {
          gateway.delete(job, key);
        }
        System.out.println("ok");
      } catch (Exception e) {
        System.out.println("error " + e.getClass().getSimpleName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
      }
      System.out.flush();
    }
  }
}
