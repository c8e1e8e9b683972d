package io.pushring.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What says a file changed without reading it: modification time, size and identity (inode), read
 * through symbolic links (a Kubernetes secret update swaps a link). {@link #MISSING} for a file that
 * cannot be read.
 */
public record FileStamp(long modifiedNanos, long size, Object fileKey) {
  public static final FileStamp MISSING = new FileStamp(-1, -1, null);

  /** Blocking: a stat. */
  public static FileStamp of(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new FileStamp(a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), a.size(), a.fileKey());
    } catch (IOException e) {
      return MISSING;
    }
  }
}
