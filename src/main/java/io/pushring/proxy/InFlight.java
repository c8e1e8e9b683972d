package io.pushring.proxy;

/**
 * Every exchange of one forwarder still in flight, oldest first, in an intrusive list (no node
 * allocated per push). One periodic sweep checks them all against their deadlines: no timer per
 * push, and a long upload that keeps flowing is judged by its own progress, not by a fixed timer.
 */
final class InFlight {
  private Exchange first;
  private Exchange last;
  private int size;

  void add(Exchange e) {
    e.previous = last;
    e.next = null;
    if (last == null) first = e;
    else last.next = e;
    last = e;
    size++;
  }

  void remove(Exchange e) {
    if (e.previous == null && first != e) return;   // not linked (already removed)
    if (e.previous == null) first = e.next;
    else e.previous.next = e.next;
    if (e.next == null) last = e.previous;
    else e.next.previous = e.previous;
    e.previous = null;
    e.next = null;
    size--;
  }

  int size() {
    return size;
  }

  /** Lets each exchange fail itself if a deadline passed; a failing exchange removes itself. */
  void sweep(long nowNanos) {
    for (Exchange e = first; e != null; ) {
      Exchange following = e.next;
      e.checkDeadlines(nowNanos);
      e = following;
    }
  }
}
