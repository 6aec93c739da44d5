package dev.permafrost.archive.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.TimeUnit;

/**
 * Time spent and rows handled per operation ({@code permafrost.archive.operation{operation}} and
 * {@code permafrost.archive.rows{operation}}), counted once the operation committed: rows per
 * second of the service's own work, without the waits between events.
 */
@ApplicationScoped
public class OperationMetrics {

  private final MeterRegistry metrics;

  public OperationMetrics(MeterRegistry metrics) {
    this.metrics = metrics;
  }

  /** Records one committed operation on {@code rows} rows that took {@code nanos}. */
  void record(String operation, long rows, long nanos) {
    Timer.builder("permafrost.archive.operation")
        .tag("operation", operation)
        .description("Duration of committed verify, prune and restore steps, one per chunk")
        .register(metrics)
        .record(nanos, TimeUnit.NANOSECONDS);
    metrics.counter("permafrost.archive.rows", "operation", operation).increment(rows);
  }
}
