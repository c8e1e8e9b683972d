package io.pushring.consul;

import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Push paths for the tests and who owns them on a ring. */
final class Keys {
  private Keys() {}

  /** {@code n} distinct push paths, some with base64 and percent-encoded values as clients send them. */
  static List<String> paths(String job, int n) {
    List<String> paths = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      paths.add(switch (i % 3) {
        case 0 -> "/metrics/job/" + job + "/instance/host-" + i;
        case 1 -> "/metrics/job/" + job + "-" + (i % 17) + "/instance/host%20" + i + "/zone/z" + (i % 5);
        default -> "/metrics/job@base64/" + java.util.Base64.getUrlEncoder().withoutPadding()
            .encodeToString((job + "/" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      });
    }
    return paths;
  }

  /** path -> owning member id on {@code ring} (in-process lookup, the routers' own). */
  static Map<String, String> owners(Ring ring, List<String> paths) {
    Map<String, String> owners = new LinkedHashMap<>();
    for (String path : paths) {
      Member m = ring.route(GroupingKeyParser.parse(path));
      owners.put(path, m == null ? null : m.id());
    }
    return owners;
  }
}
