package io.pushring.consul;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What pushring answers to many pushes: {@code PUT <path>} (empty body, redirects not followed) and
 * the {@code Location} of the 307, over a few {@link SocketHttp} keep-alive connections in parallel.
 */
final class Locations implements AutoCloseable {
  private static final int CONNECTIONS = 4;

  private final ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS, r -> {
    Thread t = new Thread(r, "locations");
    t.setDaemon(true);
    return t;
  });

  /** path -> Location; a path that did not get a 307 maps to {@code "<status> <body>"} or {@code "error ..."}. */
  Map<String, String> of(int port, List<String> paths) {
    List<Future<Map<String, String>>> parts = new ArrayList<>();
    int slice = (paths.size() + CONNECTIONS - 1) / CONNECTIONS;
    for (int from = 0; from < paths.size(); from += slice) {
      List<String> part = paths.subList(from, Math.min(paths.size(), from + slice));
      parts.add(pool.submit(() -> overOneConnection(port, part)));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Future<Map<String, String>> part : parts) {
      try {
        out.putAll(part.get());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** One PUT of {@code path}: its Location, or {@code "<status> <body>"}/{@code "error ..."}. */
  String put(int port, String path) {
    return overOneConnection(port, List.of(path)).get(path);
  }

  private static Map<String, String> overOneConnection(int port, List<String> paths) {
    Map<String, String> out = new LinkedHashMap<>();
    try (SocketHttp http = new SocketHttp(port)) {
      for (String path : paths) out.put(path, locationOf(http, path));
    }
    return out;
  }

  private static String locationOf(SocketHttp http, String path) {
    try {
      SocketHttp.Response r = http.send("PUT", path, "");
      return r.status() == 307 ? r.header("Location") : r.status() + " " + r.body();
    } catch (UncheckedIOException e) {
      return "error " + e.getMessage();
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
