package dev.permafrost.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {

  private static final UUID CHUNK = UUID.fromString("1b4e28ba-2fa1-11d2-883f-0016d3cca427");

  @Test
  void dataKeysFollowTheHiveLayoutPerGrainAndTenant() {
    ObjectKeys keys = new ObjectKeys("/cold/");
    Instant start = Instant.parse("2026-11-20T13:00:00Z");
    assertThat(keys.dataKey("pageviews", Grain.DAY, start, null, CHUNK, 1))
        .isEqualTo("cold/pageviews/year=2026/month=11/day=20/chunk-" + CHUNK + "-1.parquet");
    assertThat(keys.dataKey("wiki", Grain.HOUR, start, null, CHUNK, 2))
        .isEqualTo("cold/wiki/year=2026/month=11/day=20/hour=13/chunk-" + CHUNK + "-2.parquet");
    assertThat(keys.dataKey("points", Grain.MONTH, start, "u42", CHUNK, 1))
        .isEqualTo("cold/points/year=2026/month=11/tenant=u42/chunk-" + CHUNK + "-1.parquet");
    assertThat(keys.manifestKey("pageviews", CHUNK))
        .isEqualTo("cold/_manifests/pageviews/" + CHUNK + ".json");
    assertThat(new ObjectKeys("").manifestKey("p", CHUNK))
        .isEqualTo("_manifests/p/" + CHUNK + ".json");
  }

  @Test
  void chunkIdsAreAFunctionOfDatasetPartitionAndSequence() {
    assertThat(ChunkIds.of("pageviews", "2026-11-20", 1))
        .isEqualTo(ChunkIds.of("pageviews", "2026-11-20", 1));
    assertThat(ChunkIds.of("pageviews", "2026-11-20", 2))
        .isNotEqualTo(ChunkIds.of("pageviews", "2026-11-20", 1));
  }

  @Test
  void grainsCutHalfOpenUtcIntervals() {
    Instant t = Instant.parse("2026-02-28T23:30:00Z");
    assertThat(Grain.HOUR.start(t)).isEqualTo(Instant.parse("2026-02-28T23:00:00Z"));
    assertThat(Grain.DAY.end(Grain.DAY.start(t))).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    assertThat(Grain.MONTH.start(t)).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(Grain.MONTH.end(Grain.MONTH.start(t)))
        .isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    assertThat(Grain.HOUR.partitionName(Grain.HOUR.start(t))).isEqualTo("2026-02-28T23");
    assertThat(Grain.MONTH.partitionName(Grain.MONTH.start(t))).isEqualTo("2026-02");
    assertThatThrownBy(() -> Grain.parse("week")).hasMessageContaining("allowed: hour, day, month");
  }
}
